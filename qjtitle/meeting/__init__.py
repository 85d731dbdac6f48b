"""The meeting: its record and dates, attendance, reviewer assignment, ballots and their tally,
the proceedings and its sheets (record, assignment, tally, proceedings, sheets). The seal that
freezes a meeting is part of the store (:mod:`qjtitle.store.sealing`)."""
