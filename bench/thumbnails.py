"""Benchmark: thumbnail + preview of a 4608x2592 camera JPEG, ours against a naive
full decode and resize. Usage: python bench/thumbnails.py [--repeat 7]"""

import argparse
import io

from _library_common import machine, photos_dir, setup_django, timed, write_section


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_django()
    from PIL import Image, ImageOps

    from photos import derivatives

    source = photos_dir() / "scenes" / "carrotcake_cake.jpg"
    data = source.read_bytes()
    sizes = {"thumbnail": derivatives.THUMBNAIL_SIZE, "preview": derivatives.PREVIEW_SIZE}

    def ours_pixels():
        return derivatives.render(io.BytesIO(data), sizes)

    def naive_pixels():
        with Image.open(io.BytesIO(data)) as im:
            im.load()  # every one of the 11.9 million pixels
            upright = ImageOps.exif_transpose(im).convert("RGB")
        results = {}
        for kind, box in sizes.items():
            image = upright.copy()
            image.thumbnail((box, box), Image.Resampling.LANCZOS, reducing_gap=None)
            results[kind] = image
        return results

    def encoded(render):
        def run():
            for kind, image in render().items():
                derivatives.encode_webp(image, derivatives.WEBP_QUALITY[kind])

        return run

    def decode(draft):
        def run():
            with Image.open(io.BytesIO(data)) as im:
                if draft:
                    im.draft("RGB", derivatives.fitted(im.size, derivatives.PREVIEW_SIZE))
                im.load()

        return run

    got, want = ours_pixels(), naive_pixels()
    assert {k: v.size for k, v in got.items()} == {k: v.size for k, v in want.items()}
    rows = [
        ("ours, pixels: `draft` 1/2-scale decode, upright, 1440 px, 256 px from it", ours_pixels),
        ("naive, pixels: full decode, upright, each size resized from full", naive_pixels),
        ("ours, with both WebP encodes (the whole job)", encoded(ours_pixels)),
        ("naive, with both WebP encodes", encoded(naive_pixels)),
        ("decode only, full", decode(False)),
        ("decode only, `draft` at 1/2 scale", decode(True)),
    ]
    results = [(label, *timed(fn, args.repeat)) for label, fn in rows]
    table = "\n".join(
        f"| {label} | {median:.0f} | {', '.join(f'{r:.0f}' for r in runs)} |"
        for label, median, runs in results
    )
    medians = [median for _, median, _ in results]
    with Image.open(source) as im:
        size = im.size
    body = f"""
## Thumbnail + preview of carrotcake_cake.jpg ({size[0]}x{size[1]}, {len(data) / 1e6:.1f} MB)

Machine: {machine()}. Median of {args.repeat} runs in one process, warm file cache
(other work was running on the machine: look at the ratios, not the absolute times).

| | median ms | runs (ms) |
|---|---:|---|
{table}

**Naive / ours: {medians[1] / medians[0]:.1f}x for the pixels, {medians[3] / medians[2]:.1f}x
for the whole job** (WebP encoding costs the same in both and dominates what is left).
Output sizes are identical: preview {got["preview"].size}, thumbnail {got["thumbnail"].size}.
"""
    write_section("thumbnails", body)
    print(body)


if __name__ == "__main__":
    main()
