"""The sample photos that ship with the app (Run and Explain: "try a sample").

Reads the public-domain / CC0 photos of Debian's python3-skimage (scikit-image's data folder; the licence of
each is stated in the docstring of its loader in skimage/data/_fetchers.py, quoted in docs/sample-images.md)
and writes small baseline JPEGs to src/app/samples/: the shorter side scaled to SHORT pixels (Lanczos),
quality QUALITY, no metadata. Pillow's encoder is deterministic, so a rerun writes the same bytes.

    /usr/bin/python3 tools/samples/make_samples.py        (npm run samples)
"""
import io
import os
import sys

from PIL import Image

SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data'
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'src', 'app', 'samples')
# Large enough for every catalogued crop (the biggest test size is 320) without upscaling; small to ship.
SHORT = 320
QUALITY = 80
SAMPLES = ['chelsea', 'coffee', 'astronaut']


def convert(name: str) -> bytes:
    img = Image.open(os.path.join(SKIMAGE_DATA, f'{name}.png')).convert('RGB')
    scale = SHORT / min(img.size)
    size = (round(img.size[0] * scale), round(img.size[1] * scale))
    img = img.resize(size, Image.LANCZOS)
    out = io.BytesIO()
    img.save(out, 'JPEG', quality=QUALITY, optimize=True, progressive=False)
    return out.getvalue()


def main() -> int:
    if not os.path.isdir(SKIMAGE_DATA):
        print(f'{SKIMAGE_DATA} not found: install Debian\'s python3-skimage', file=sys.stderr)
        return 1
    os.makedirs(OUT, exist_ok=True)
    for name in SAMPLES:
        data = convert(name)
        with open(os.path.join(OUT, f'{name}.jpg'), 'wb') as f:
            f.write(data)
        print(f'{name}.jpg: {len(data)} bytes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
