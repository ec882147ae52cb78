"""Running the asv suite: its matrix of environments, the points a phase measures, and more rounds."""
