"""Cases (办件): the state machine, the promised-deadline clock, case numbers, submissions, their journey."""
