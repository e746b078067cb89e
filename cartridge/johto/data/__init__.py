"""The Johto world as data: maps (``maps/``, one module each), event flags, items, the story's numbers."""
