"""The registry of analysis steps: each one's name, the consent it needs, and its code.

Declarations only. Web code that queues work (and privacy's grant receiver, through
`steps_needing`) imports this module, so it must not load the models: a step's `compute`
and `store` are named as "module:function" and imported by the runner on the worker.
Adding a step is one module in this package plus one `register(...)` below
(docs/analysis.md).
"""

from dataclasses import dataclass, field

from photos.models import Step
from privacy.models import Scope


@dataclass(frozen=True)
class AnalysisStepSpec:
    name: str  # a photos.models.Step value
    scopes: tuple[str, ...]  # every one must be granted, when it runs and when it stores
    # "module:function": (photo, media) -> StepResult. Slow; no row written, no transaction.
    compute: str
    # "module:function": (photo, result, granted) -> (summary, details). Quick; runs in the
    # transaction that holds the owner's lock, and replaces the step's rows.
    store: str
    # The photos.ml model the step waits for when it is missing ("faces", "scenes"): the
    # sweep queues the step again once that model loads.
    model: str = ""
    # True: the step needs its scopes granted at the terms in force now, not at an earlier
    # version these extend (the text step: cloud_processing v2 added it; privacy.consent).
    current_terms: bool = False
    # A boolean setting that turns the step off for the whole service ("" = always on).
    setting: str = ""


@dataclass
class StepResult:
    """What a step's compute hands to its store."""

    model_name: str = ""
    model_version: str = ""
    data: object = None
    # Files to write in the store transaction, once consent is checked again (wanted
    # storage name -> bytes).
    files: dict[str, bytes] = field(default_factory=dict)
    # Filled in by the runner: wanted storage name -> the name the file was stored under.
    saved: dict[str, str] = field(default_factory=dict)


REGISTRY: dict[str, AnalysisStepSpec] = {}


def register(spec: AnalysisStepSpec) -> AnalysisStepSpec:
    if spec.name in REGISTRY:
        raise ValueError(f"The analysis step {spec.name!r} is registered twice.")
    if Scope.CLOUD_PROCESSING not in spec.scopes:
        raise ValueError(f"The analysis step {spec.name!r} must need cloud_processing.")
    REGISTRY[spec.name] = spec
    return spec


def steps_needing(scope: str) -> tuple[str, ...]:
    """The steps that need `scope`: those to analyse again when it is granted."""
    return tuple(name for name, spec in REGISTRY.items() if scope in spec.scopes)


def _step(name, scopes, module, model="", **options):
    path = f"photos.analysis.steps.{module}"
    compute, store = f"{path}:compute", f"{path}:store"
    return register(AnalysisStepSpec(name, scopes, compute, store, model=model, **options))


# In running order: quality reads the faces stored just before it.
_step(Step.FACES, (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS), "faces", model="faces")
_step(Step.SCENES, (Scope.CLOUD_PROCESSING,), "scenes", model="scenes")
_step(Step.QUALITY, (Scope.CLOUD_PROCESSING,), "quality")
_step(Step.DUPLICATES, (Scope.CLOUD_PROCESSING,), "duplicates")
_step(
    Step.TEXT,
    (Scope.CLOUD_PROCESSING,),
    "text",
    model="text",
    current_terms=True,
    setting="TEXT_RECOGNITION",
)
