"""The project's pages of the asv site: asv publishers, the shared layout and charts."""
