from django.conf import settings
from django.core.management.base import BaseCommand

from photos import ml


class Command(BaseCommand):
    help = (
        "Print the configured face and scene models, whether they load, and their input "
        "and output sizes. Exits with status 1 if a model does not load. With --download, "
        "first fetch every configured model that is missing into MODELS_DIR from the pinned "
        "URLs (photos/model_sources.toml), checking each file's SHA-256."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--download",
            action="store_true",
            help="fetch the missing models, then report; exit 1 with one line per model "
            "that could not be fetched",
        )

    def handle(self, *args, download=False, **options):
        if download:
            failed = self.download()
            if failed:
                for line in failed:
                    self.stderr.write(line)
                self.stderr.write(
                    "Analysis that needs these models waits for them and starts by itself "
                    "once they are in place (README: Models offline)."
                )
                raise SystemExit(1)
        if not self.report():
            raise SystemExit(1)

    def download(self) -> list[str]:
        """Fetch what is missing; return one line per model that could not be fetched."""
        failed = []
        self.stdout.write(f"MODELS_DIR        {settings.MODELS_DIR}")
        for model in ml.model_files():
            label = f"{model.title} ({model.setting})"
            if model.present:
                self.stdout.write(f"{label}: present at {model.path}")
                continue
            try:
                url = ml.download_url(model) if not model.fetchable else ""
                if url:
                    self.stdout.write(f"{label}: fetching {url}")
                digest = ml.download(model, progress=self._progress(label))
            except ml.FetchError as exc:
                self._end_progress()
                if model.key == "face_pack":
                    hint = (
                        f"Copy a pack folder (its detector and recogniser .onnx files) to "
                        f"{model.path}, or set {model.setting} to one."
                    )
                else:
                    hint = f"Copy the file to {model.path}, or set {model.setting}."
                failed.append(f"MISSING {label}: {exc}. {hint}")
                continue
            self._end_progress()
            checked = "matches the pin" if model.sha256 else "not pinned; the pack loads"
            self.stdout.write(
                self.style.SUCCESS(f"{label}: saved to {model.path}")
                + f" (SHA-256 {digest}, {checked})"
            )
            self.stdout.write(f"  licence: {model.licence}")
        return failed

    def _progress(self, label: str):
        """A progress line that rewrites itself, on a terminal only (not in logs)."""
        if not self.stdout.isatty():
            return None
        self._shown = None

        def show(done: int, total: int | None) -> None:
            text = f"{done / 1e6:.1f} MB"
            if total:
                text = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB ({100 * done // total}%)"
            if text != self._shown:
                self._shown = text
                self.stdout.write(f"\r  {label}: {text}", ending="")
                self.stdout.flush()

        return show

    def _end_progress(self) -> None:
        if getattr(self, "_shown", None):
            self.stdout.write("")
        self._shown = None

    def report(self) -> bool:
        ok = True
        self.stdout.write(f"MODELS_DIR        {settings.MODELS_DIR}")
        self.stdout.write(f"FACE_MODEL_PACK   {settings.FACE_MODEL_PACK}")
        try:
            face = ml.face_model()
        except ml.ModelMissing as exc:
            ok = False
            self.stdout.write(self.style.ERROR(f"  does not load: {exc}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"  loads: pack {face.pack}"))
            self.stdout.write(f"  {face.description}")
            self.stdout.write(
                f"  thresholds: score >= {settings.FACE_MIN_SCORE}, size >= "
                f"{settings.FACE_MIN_SIZE} px, match distance {settings.FACE_MATCH_DISTANCE}, "
                f"cluster eps {settings.FACE_CLUSTER_EPS}, person >= "
                f"{settings.PERSON_MIN_FACES} faces"
            )
        self.stdout.write(f"SCENE_MODEL       {settings.SCENE_MODEL}")
        self.stdout.write(f"SCENE_LABELS      {settings.SCENE_LABELS or '(next to the model)'}")
        try:
            scene = ml.scene_model()
        except ml.ModelMissing as exc:
            ok = False
            self.stdout.write(self.style.ERROR(f"  does not load: {exc}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"  loads: {scene.name} ({scene.version})"))
            self.stdout.write(
                f"  input {scene.input_shape} -> output {scene.output_shape}, "
                f"{len(scene.labels)} labels; top {settings.SCENE_TOP_K} tags "
                f">= {settings.SCENE_MIN_SCORE}"
            )
        self.stdout.write(f"TEXT_RECOGNITION  {'on' if settings.TEXT_RECOGNITION else 'off'}")
        if settings.TEXT_RECOGNITION:
            # Shipped inside the rapidocr wheel: nothing to download.
            try:
                text = ml.text_model()
            except ml.ModelMissing as exc:
                ok = False
                self.stdout.write(self.style.ERROR(f"  does not load: {exc}"))
            else:
                self.stdout.write(self.style.SUCCESS(f"  loads: {text.name} ({text.version})"))
                self.stdout.write(f"  {text.description}; lines >= {settings.TEXT_MIN_SCORE} kept")
        return ok
