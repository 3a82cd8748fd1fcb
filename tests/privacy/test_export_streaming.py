"""The export writes its long JSON files item by item (privacy.export.dump_json_array)."""

import io
import json
import zipfile
from datetime import UTC, datetime

from privacy.export import dump_json, dump_json_array


def _written(write) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        write(zf)
    with zipfile.ZipFile(buf) as zf:
        return zf.read("data.json").decode()


def test_it_writes_the_same_json_as_the_whole_list():
    items = [
        {"id": i, "name": f"Zoë {i}", "at": datetime(2026, 1, i + 1, tzinfo=UTC), "box": [1, 2]}
        for i in range(3)
    ]
    streamed = _written(lambda zf: dump_json_array(zf, "data.json", iter(items)))
    whole = _written(lambda zf: dump_json(zf, "data.json", items))
    assert json.loads(streamed) == json.loads(whole)
    assert "Zoë" in streamed  # not escaped, as dump_json
    assert json.loads(_written(lambda zf: dump_json_array(zf, "data.json", iter([])))) == []
