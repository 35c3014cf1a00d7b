"""How personal data looks wherever it is shown or logged, the same on the kiosk and on the platform: the
first and last characters a person recognises their own value by, the identifying middle hidden. A value
too short to keep anything of is hidden completely."""


def _keep(value: str, head: int, tail: int, shortest: int) -> str:
    """`value` with all but its first `head` and last `tail` characters as `*`; all `*` when it is shorter
    than `shortest` (too little would stay hidden)."""
    if len(value) < shortest:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(number: str) -> str:
    """A citizen ID number: province and city, sequence and check digit kept — ``4403**********123X``."""
    return _keep(number, 4, 4, shortest=9)


def mask_mobile(number: str) -> str:
    """A mobile number: the network prefix and the last four digits — ``138****5678``."""
    return _keep(number, 3, 4, shortest=8)


def mask_name(name: str) -> str:
    """A person's name with the middle hidden: 张三 → 张*, 张小三 → 张*三."""
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
