"""The Johto world's pictures, drawn in Python: the font and frames, map tiles, people."""
