"""Intake: the units' rosters and the applicants' forms read, checked and stored, and the
correction notices for what must be fixed (roster, applicants, corrections, names, photos)."""
