"""The small screen a network sees: the Game Boy's 160x144 halved in each direction, one byte a pixel."""

SCREEN_WIDTH = 80
SCREEN_HEIGHT = 72
