"""The `govkiosk` command."""

from pathlib import Path

import typer

from govkiosk.platform.placement.commands import plan

app = typer.Typer(help="govkiosk: one platform for a city's government-service kiosks.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
devices_app = typer.Typer(help="The local device service (XFS4IoT-style, agent-local).", no_args_is_help=True)
app.add_typer(devices_app, name="devices")
catalog_app = typer.Typer(
    help="Service catalog (政务服务事项目录): import, export, templates.", no_args_is_help=True
)
app.add_typer(catalog_app, name="catalog")


@app.command()
def serve(
    db: str = typer.Option(None, help="database URL (default sqlite:///./govkiosk.db)"),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    upgrade: bool = typer.Option(True, help="apply migrations before serving"),
) -> None:
    """Run the platform server."""
    from govkiosk.platform.server import run

    run(db_url=db, host=host, port=port, upgrade=upgrade)


@db_app.command("upgrade")
def db_upgrade(db: str = typer.Option(None, help="database URL")) -> None:
    """Apply the migrations."""
    from govkiosk.platform.server import upgrade_database

    upgrade_database(db)
    typer.echo("database is at the newest revision")


@app.command()
def bootstrap(
    db: str = typer.Option(None, help="database URL"),
    city: str = typer.Option(..., help="name of the root org node, e.g. 深圳市"),
    code: str = typer.Option(None, help="its GB/T 2260 code, e.g. 440300"),
    admin: str = typer.Option("admin", help="username of the first platform administrator"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Create the root org node and the first platform administrator of a new installation."""
    from govkiosk.platform.server import bootstrap_installation

    bootstrap_installation(db_url=db, city=city, code=code, admin=admin, password=password)
    typer.echo(f"created {city} and platform administrator {admin}")


@app.command()
def agent(
    platform: str = typer.Option(..., help="platform base URL, e.g. http://127.0.0.1:8000"),
    state_dir: Path = typer.Option(..., help="where the agent keeps its key, identity and state"),
    enroll_token: str = typer.Option(None, help="one-time enrollment token (first start only)"),
    devices: str = typer.Option("simulated", help="'simulated' or a devices FILE"),
    serial: str = typer.Option(None, help="serial number (default: derived from the machine)"),
    vendor: str = typer.Option("SIM", help="vendor code reported at enrollment"),
    model: str = typer.Option("SIM-KIOSK-1", help="model reported at enrollment"),
    device_port: int = typer.Option(8765, help="local device service port on 127.0.0.1 (-1: none)"),
    ui_port: int = typer.Option(
        -1, help="serve the kiosk UI on 127.0.0.1 at this port (0: any free; -1: none)"
    ),
) -> None:
    """Run the kiosk agent (with its local device service, and the kiosk UI when --ui-port is given)."""
    from govkiosk.agent.sync.runner import run_agent_cli

    run_agent_cli(
        platform=platform,
        state_dir=state_dir,
        enroll_token=enroll_token,
        devices=devices,
        serial=serial,
        vendor=vendor,
        model=model,
        device_port=None if device_port < 0 else device_port,
        ui_port=None if ui_port < 0 else ui_port,
    )


@app.command()
def simulate(
    platform: str = typer.Option(..., help="platform base URL"),
    terminals: int = typer.Option(50, min=1, help="how many simulated kiosks"),
    enroll_token: str = typer.Option(..., help="an enrollment token with enough uses"),
    state_dir: Path = typer.Option(Path("./sim-state"), help="state directories of the simulated kiosks"),
    seed: int = typer.Option(1, help="seed of the fleet's behaviour"),
) -> None:
    """Run N simulated kiosks in one process against a platform."""
    from govkiosk.sim.fleet import run_fleet_cli

    run_fleet_cli(
        platform=platform, terminals=terminals, enroll_token=enroll_token, state_dir=state_dir, seed=seed
    )


@app.command()
def demo(
    terminals: int = typer.Option(50, min=0, help="how many simulated kiosks"),
    port: int = typer.Option(8000),
    host: str = typer.Option("127.0.0.1"),
    state_dir: Path = typer.Option(Path("./demo-state")),
    fresh: bool = typer.Option(False, help="start from an empty demo database"),
    kiosk_port: int = typer.Option(None, help="port of the first kiosk's citizen UI (default: --port + 2)"),
) -> None:
    """Run the platform with seeded demo data and a simulated fleet (what `make demo` runs)."""
    from govkiosk.sim.demo import run_demo

    run_demo(
        terminals=terminals, host=host, port=port, state_dir=state_dir, fresh=fresh, kiosk_port=kiosk_port
    )


@app.command()
def conformance(
    url: str = typer.Option(..., help="the service publisher, e.g. ws://127.0.0.1:8765/xfs4iot/v1.0"),
    token: str = typer.Option(None, help="the device service's session token"),
    classes: str = typer.Option(None, help="comma-separated device classes (default: all offered)"),
    unattended: bool = typer.Option(False, help="drive the simulator's fault injection instead of a person"),
    soak: int = typer.Option(1000, min=1, help="reads in the soak"),
    fault_wait: float = typer.Option(5.0, help="seconds a fault or recovery may take to raise an event"),
    report: Path = typer.Option(None, help="write the JSON report here"),
    html: Path = typer.Option(None, help="write the HTML report here"),
) -> None:
    """Run the vendor conformance kit against a device service; exit 1 unless it passes."""
    from govkiosk.conformance.runner import run_cli

    passed = run_cli(
        url,
        token=token,
        classes=[c.strip() for c in classes.split(",") if c.strip()] if classes else None,
        unattended=unattended,
        soak=soak,
        fault_wait=fault_wait,
        report_path=report,
        html_path=html,
    )
    raise typer.Exit(0 if passed else 1)


@devices_app.command("serve")
def devices_serve(
    simulated: bool = typer.Option(False, "--simulated", help="simulate every device class"),
    devices: Path = typer.Option(None, help="a devices FILE (JSON list of device classes)"),
    host: str = typer.Option("127.0.0.1", help="only loopback addresses are served"),
    port: int = typer.Option(8765),
    token: str = typer.Option(None, help="session token (default: a new random one)"),
    origin: list[str] = typer.Option([], help="another allowed browser Origin (repeatable)"),
) -> None:
    """Run the local device service alone, for vendors and the conformance kit."""
    from govkiosk.agent.local.run import run_device_server

    if not simulated and devices is None:
        raise typer.BadParameter("give --simulated or --devices FILE")
    run_device_server(
        simulated=simulated,
        devices=devices,
        host=host,
        port=port,
        token=token,
        origins=origin,
        echo=typer.echo,
    )


@catalog_app.command("import")
def catalog_import(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="district-list CSV, or our CSV/XLSX template"
    ),
    db: str = typer.Option(None, help="database URL"),
    org: str = typer.Option(
        None, help="org node (id, code or name) new departments belong to; default the root"
    ),
    skip_invalid: bool = typer.Option(False, help="import the good rows when some rows have errors"),
    report: Path = typer.Option(None, help="write the full report (every problem, by row and field) as JSON"),
) -> None:
    """Import service items: all rows or none (unless --skip-invalid), reporting what could not be mapped."""
    from govkiosk.platform.catalog.commands import run_import
    from govkiosk.platform.core.errors import DomainError

    try:
        committed = run_import(
            file, db_url=db, org=org, skip_invalid=skip_invalid, report_path=report, echo=typer.echo
        )
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    raise typer.Exit(0 if committed else 1)


@catalog_app.command("export")
def catalog_export(
    out: Path = typer.Argument(..., help="file to write"),
    format: str = typer.Option("json", help="json or cpsv-ap (JSON-LD)"),
    db: str = typer.Option(None, help="database URL"),
) -> None:
    """Export the catalog as JSON or as CPSV-AP JSON-LD."""
    from govkiosk.platform.catalog.commands import run_export

    if format not in ("json", "cpsv-ap"):
        raise typer.BadParameter("format is json or cpsv-ap")
    run_export(db_url=db, fmt=format, out=out, echo=typer.echo)


@catalog_app.command("template")
def catalog_template(out: Path = typer.Argument(..., help="template.csv or template.xlsx")) -> None:
    """Write our import template with one example row."""
    from govkiosk.platform.catalog.commands import run_template

    run_template(out, typer.echo)


# `govkiosk plan {mclp,lscp,pmedian,pcenter} …`: placement (布点) on files; see docs/placement.md.
app.command("plan")(plan)


if __name__ == "__main__":
    app()
