"""Drawing of the synthetic MOT scenes: a street background and people.

Pure functions of their arguments (and of the random generator they are
given), used by :class:`~mmmtl.datasets.SyntheticMOTScene`.
"""
import math
from typing import Sequence

import cv2
import numpy as np

__all__ = ['NUM_PATTERNS', 'draw_person', 'street_background']

# Body-part codes of the silhouette raster; index into a (8, 3) palette.
_BG, _HAIR, _SKIN, _TORSO, _TORSO2, _SLEEVE, _LEGS, _SHOES = range(8)
#: Torso patterns of :func:`draw_person`: plain, horizontal stripes,
#: vertical stripes, checks, a two-tone jacket, a diagonal sash.
NUM_PATTERNS = 6


def street_background(rng: np.random.Generator, hc: int, wc: int,
                      horizon: int) -> np.ndarray:
    """Textured street scene: facades above the horizon, paving below.

    Args:
        rng (np.random.Generator): The scene's background stream.
        hc (int): Canvas height.
        wc (int): Canvas width.
        horizon (int): Canvas row of the horizon.

    Returns:
        np.ndarray: ``(hc, wc, 3)`` uint8 BGR canvas.
    """
    ys = np.arange(hc, dtype=np.float32)[:, None]
    xs = np.arange(wc, dtype=np.float32)[None, :]
    canvas = np.empty((hc, wc, 3), np.float32)

    # Facades above the horizon: blocks of random width and colour with
    # a grid of windows.
    edges = np.cumsum(rng.integers(wc // 8, wc // 3, size=16))
    block = np.searchsorted(edges, xs[0], side='right')
    colours = rng.uniform(60, 200, size=(17, 3)).astype(np.float32)
    tops = rng.uniform(0, 0.6, size=17) * horizon
    period = rng.integers(8, 16, size=17)
    facade = colours[block][None, :, :].repeat(hc, 0)
    top = tops[block][None, :]
    sky = ys < top
    per = period[block][None, :]
    window = (((xs - edges[np.maximum(block - 1, 0)][None, :]) % per)
              < per * 0.5) & ((ys % per) < per * 0.55) & ~sky
    facade[window] *= 0.45
    facade[sky] = rng.uniform(170, 240, size=3)
    canvas[:] = facade

    # Ground plane: paving whose tiles shrink towards the horizon.
    depth = np.maximum(ys - horizon, 1.0)
    lateral = (xs - wc / 2) / depth * 6
    row_line = ((60.0 / depth) % 1.0) < 0.08
    col_line = (lateral % 1.0) < 0.06 * np.minimum(depth / 20, 1.0)
    ground_colour = rng.uniform(90, 170, size=3).astype(np.float32)
    ground = ys >= horizon
    shade = np.where(row_line | col_line, 0.75, 1.0)
    canvas = np.where(ground[..., None],
                      ground_colour * shade[..., None], canvas)

    # Low-frequency stains plus fine grain, static over the sequence.
    low = rng.normal(size=(hc // 12 + 2, wc // 12 + 2)).astype(np.float32)
    low = cv2.resize(low, (wc, hc), interpolation=cv2.INTER_CUBIC)
    canvas *= (1.0 + 0.12 * low)[..., None]
    canvas += rng.normal(0, 6, size=canvas.shape).astype(np.float32)
    return np.clip(canvas, 0, 255).astype(np.uint8)


def draw_person(img: np.ndarray, box: Sequence[int], palette: np.ndarray,
                pattern: int, stripes: int, phase: float) -> None:
    """Draw one person with its box at image pixels ``(x0, y0, w, h)``.

    The silhouette touches all four sides of the box, so the box is
    tight around the drawn pixels.

    Args:
        img (np.ndarray): ``(H, W, 3)`` uint8 BGR image, drawn on in place.
        box (Sequence[int]): ``(x0, y0, w, h)``; may extend past the image.
        palette (np.ndarray): ``(8, 3)`` uint8 BGR colours, indexed by
            body-part code (background, hair, skin, torso, second torso
            colour, sleeves, legs, shoes).
        pattern (int): Torso pattern, ``0 .. NUM_PATTERNS - 1``.
        stripes (int): Stripes or checks across the torso.
        phase (float): Walking phase in radians (swing of the legs).
    """
    x0, y0, w, h = box
    ix0, iy0 = max(x0, 0), max(y0, 0)
    ix1, iy1 = min(x0 + w, img.shape[1]), min(y0 + h, img.shape[0])
    if ix0 >= ix1 or iy0 >= iy1:
        return
    u = ((np.arange(ix0, ix1) - x0 + 0.5) / w)[None, :]  # (1, w')
    v = ((np.arange(iy0, iy1) - y0 + 0.5) / h)[:, None]  # (h', 1)
    parts = np.zeros((iy1 - iy0, ix1 - ix0), np.uint8)

    torso = (v >= 0.2) & (v < 0.6) & ((v >= 0.27) | ((u >= 0.1) &
                                                     (u <= 0.9)))
    k = stripes
    if pattern == 0:  # plain
        second = np.zeros_like(torso)
    elif pattern == 1:  # horizontal stripes
        second = np.floor((v - 0.2) * 2.5 * k) % 2 == 1
    elif pattern == 2:  # vertical stripes
        second = np.floor(u * k) % 2 == 1
    elif pattern == 3:  # checks
        second = (np.floor(u * k) + np.floor((v - 0.2) * 2.5 * k)) % 2
        second = second == 1
    elif pattern == 4:  # two-tone jacket over shirt
        second = (u > 0.4) & (u < 0.6)
    else:  # diagonal sash
        second = np.abs((u - 0.5) - (v - 0.4) * 2.0) < 0.12
    parts[torso] = _TORSO
    parts[torso & second] = _TORSO2
    parts[torso & (v >= 0.27) & ((u < 0.14) | (u > 0.86))] = _SLEEVE

    # Legs swing in opposite phase, most at the feet.
    swing = 0.08 * math.sin(phase) * np.clip((v - 0.58) / 0.42, 0, 1)
    legs = (v >= 0.58) & (((u >= 0.12 + swing) & (u <= 0.46 + swing)) |
                          ((u >= 0.54 - swing) & (u <= 0.88 - swing)))
    parts[legs] = _LEGS
    parts[legs & (v >= 0.94)] = _SHOES

    head = ((u - 0.5) / 0.2)**2 + ((v - 0.11) / 0.11)**2 <= 1.0
    parts[head] = _SKIN
    parts[head & (v < 0.07)] = _HAIR

    # Soft side shading gives the body some volume.
    shade = (0.72 + 0.28 * np.sin(np.pi * u))[..., None]  # (1, w', 1)
    colours = (palette[parts] * shade).astype(np.uint8)
    region = img[iy0:iy1, ix0:ix1]
    mask = parts > 0
    region[mask] = colours[mask]
