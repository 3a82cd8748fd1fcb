from django.conf import settings
from django.core.management.base import BaseCommand

from photos import ml


class Command(BaseCommand):
    help = (
        "Print the configured face and scene models, whether they load, and their input "
        "and output sizes. Exits with status 1 if a model does not load."
    )

    def handle(self, *args, **options):
        failed = False
        self.stdout.write(f"MODELS_DIR        {settings.MODELS_DIR}")
        self.stdout.write(f"FACE_MODEL_PACK   {settings.FACE_MODEL_PACK}")
        try:
            face = ml.face_model()
        except ml.ModelMissing as exc:
            failed = True
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
            failed = True
            self.stdout.write(self.style.ERROR(f"  does not load: {exc}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"  loads: {scene.name} ({scene.version})"))
            self.stdout.write(
                f"  input {scene.input_shape} -> output {scene.output_shape}, "
                f"{len(scene.labels)} labels; top {settings.SCENE_TOP_K} tags "
                f">= {settings.SCENE_MIN_SCORE}"
            )
        if failed:
            raise SystemExit(1)
