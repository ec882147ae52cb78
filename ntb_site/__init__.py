"""The analysis and site of the suite: answers/ (the questions users ask), checks/ (regressions,
the method's A/A check), suite/ (running asv and its matrix), results/ and statistics/ (reading
and judging timings), pages/ (the published site), tools/ (checks over a published site)."""
