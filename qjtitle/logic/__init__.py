"""The pure rules of the procedure: working days, the draw and its re-check, the tally of votes,
the assignment of reviewers, terms in years. No store, no files, no terminal: values in, values
out, so each is tested on its own and shared by every package above."""
