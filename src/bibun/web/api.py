"""The JSON API behind the page: request/response models and endpoints.

Every model bounds its inputs (formula length, number ranges, list lengths), so the
OpenAPI schema at ``/openapi.json`` states the limits and FastAPI rejects what is out of
range before any work is done.  Endpoints validate, hand the payload to the worker
pool (:mod:`bibun.web.pool`) and translate the outcome: a result, or a 4xx in the one
error vocabulary (``kind``, a message in the request's ``lang``, the column of a parse
error; see docs/web.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import anyio
from anyio import to_thread
from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from bibun import __version__, i18n
from bibun.web.errors import POST_ERRORS
from bibun.web.pool import BudgetExceeded, Busy, Compute, WorkerCrashed
from bibun.web.tasks import lang_of

#: the formula limit the issue asks for (10 KB of text)
MAX_FORMULA = 10_000

Formula = Annotated[str, Field(min_length=1, max_length=MAX_FORMULA, pattern=r"\S",
                               description="a formula as text (x^2 + 3x, sigmoid(x)) or LaTeX"
                                           r" (\frac{1}{1+e^{-x}}); not blank, at most 10,000"
                                           " characters",
                               examples=["(x^3+1)^2"])]
#: the page's formula: blank while the learner clears the field, answered (with the
#: parse panel's "empty formula") rather than refused, so the page has one answer shape
PageFormula = Annotated[str, Field(max_length=MAX_FORMULA,
                                   description="the formula as typed, possibly blank (the"
                                               " answer's parse panel then says so); at most"
                                               " 10,000 characters",
                                   examples=["(x^3+1)^2"])]
VarName = Annotated[str, Field(pattern=r"^[A-Za-z\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff]{0,31}$",
                               max_length=32, description="a variable name", examples=["x"])]
Real = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]


def _integral(value: Any) -> Any:
    """JSON Schema's ``integer`` is any number without a fraction, so ``3.0`` is one (and
    schema-based clients send it): read it as 3.  Text (``"3"``), booleans and ``3.5``
    stay what they are and are refused by the strict integer after this."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: an integer field: strict (text and booleans refused) but 3.0 is 3, as the schema says;
#: a type of its own that adds bounds is ``Annotated[int, Field(ge=…), INTEGRAL]``, the
#: bounds first (after the validator, pydantic writes ``ge`` for ``minimum`` in the schema)
INTEGRAL = BeforeValidator(_integral)
Int = Annotated[int, INTEGRAL]


def _names_only(schema: dict[str, Any]) -> None:
    """pydantic writes a name-keyed dict as ``patternProperties``, which leaves a key that
    is not a name unconstrained in JSON Schema (any value allowed) although the server
    refuses it: say instead that every key is a name and every value a number."""
    pattern = schema.pop("patternProperties", None)
    if pattern:
        (key, value), = pattern.items()
        schema["propertyNames"] = {**schema.get("propertyNames", {}), "pattern": key}
        schema["additionalProperties"] = value


Point = Annotated[dict[VarName, Real], Field(max_length=8,
                                             description="values of the variables",
                                             examples=[{"x": 1.0}],
                                             json_schema_extra=_names_only)]
Syntax = Literal["auto", "text", "latex"]
Lang = Literal["en", "ja"]


class Strict(BaseModel):
    """Unknown fields are an error: a typo in a request should not be silently ignored.
    Every value is strict too (pydantic's strict mode): a number sent as text (``"order":
    "2"``, ``"at": {"x": "1"}``) or a boolean where a number belongs is refused as the
    type the schema names, not quietly converted, so what the schema calls an integer is
    what the server takes (JSON's 2 for a real number is still a number); switches are
    ``StrictBool`` as well, so ``"forms": 0`` is refused rather than read as false."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ExprIn(Strict):
    expr: Formula
    syntax: Syntax = "auto"
    lang: Lang = Field("en", description="language of the messages (and steps): en or ja")


Constants = Annotated[list[VarName], Field(max_length=8, description="names that do not vary"
                                            " (a textbook's a x^2 + b): the variable is the"
                                            " one name left; d/da is refused")]


class DiffIn(ExprIn):
    var: VarName | None = None
    constants: Constants | None = None
    order: Int = Field(1, ge=1, le=10)
    steps: StrictBool = False
    forms: StrictBool = True
    at: Point | None = None


class CheckIn(ExprIn):
    answer: Formula
    var: VarName | None = None
    constants: Constants | None = None


class AtIn(ExprIn):
    var: VarName | None = None
    at: Real = Field(..., description="the value of the variable")
    point: Point | None = Field(None, description="values of any other variables")


class NumdiffIn(AtIn):
    method: Literal["auto", "forward", "backward", "central", "complex", "richardson"] = "auto"
    h: Annotated[float, Field(gt=0, le=1.0, allow_inf_nan=False)] | None = None


class SeriesIn(ExprIn):
    var: VarName | None = None
    at: Real = 0.0
    order: Int = Field(5, ge=0, le=20)


class SampleIn(ExprIn):
    var: VarName | None = None
    lo: Real = -5.0
    hi: Real = 5.0
    n: Int = Field(400, ge=2, le=2000)
    params: Point | None = Field(None, description="values substituted before plotting,"
                                                   " e.g. the gain a in sigmoid(a x)")


Range = Annotated[list[Real], Field(min_length=2, max_length=2)]


class SurfaceIn(ExprIn):
    vars: Annotated[list[VarName], Field(min_length=2, max_length=2)] | None = None
    xrange: Range = [-5.0, 5.0]
    yrange: Range = [-5.0, 5.0]
    n: Int = Field(50, ge=5, le=80)


Optimizer = Literal["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]


class DescendIn(ExprIn):
    vars: Annotated[list[VarName], Field(min_length=1, max_length=4)] | None = None
    start: Annotated[list[Real], Field(min_length=1, max_length=4)]
    optimizer: Optimizer = "gd"
    lr: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 0.1
    steps: Int = Field(100, ge=1, le=2000)


class GraphIn(ExprIn):
    at: Point = Field(default_factory=dict)


class ImplicitIn(Strict):
    expr: Formula = Field(..., description="an equation in x and y, e.g. x^2 + y^2 = 1",
                          examples=["x^2 + y^2 = 1"])
    x: VarName | None = Field(None, description="the independent variable (default x)")
    y: VarName = Field("y", description="the variable that depends on x")
    at: Point | None = Field(None, description="a point on the curve: slope and tangent")
    lang: Lang = "en"


class MethodIn(ExprIn):
    var: VarName | None = None
    method: Literal["limit", "inverse", "log"] = Field(
        "limit", description="from the definition, through the inverse function, or "
                             "logarithmic differentiation")


class BackpropIn(ExprIn):
    at: Point = Field(..., description="a value for every variable")


Panel = Literal["diff", "point", "verify", "plot", "tangent", "series", "graph", "descent",
                "backprop"]


class DescentSettings(Strict):
    start: Annotated[list[Real], Field(min_length=2, max_length=2)]
    optimizer: Optimizer = "gd"
    lr: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] | None = Field(
        None, description="learning rate; none: the optimizer's preset (the answer's"
                          " `presets`)")
    steps: Int = Field(100, ge=1, le=2000)
    compare: StrictBool = Field(False, description="run SGD, Momentum, AdaGrad and Adam at their"
                                             " presets from the same start, side by side")


class PageIn(ExprIn):
    """The page's whole state; see :mod:`bibun.web.page`."""

    expr: PageFormula
    var: VarName | None = Field(None, description="the variable the page chose (the formula's"
                                                  " operator, d/dy, wins)")
    constants: Constants | None = None
    order: Int = Field(1, ge=1, le=10)
    x0: Real = Field(1.0, description="the point: value of the variable")
    point: Point | None = Field(None, description="values of the other variables (default 1)")
    steps: StrictBool = False
    lo: Real = -3.0
    hi: Real = 3.0
    n: Int = Field(401, ge=2, le=2000)
    taylor: Int = Field(0, ge=0, le=20, description="order of the Taylor polynomial, 0: none")
    descent: DescentSettings | None = None
    method: Literal["rules", "limit", "inverse", "log"] = Field(
        "rules", description="the method of the worked steps: the rules, from the definition,"
                             " through the inverse function, logarithmic differentiation")
    panels: Annotated[list[Panel], Field(max_length=9)] | None = Field(
        None, description="the panels to compute (default: all)")


class Loose(BaseModel):
    """Responses: documented fields, extra ones allowed (features grow)."""

    model_config = ConfigDict(extra="allow")


class FormulaOut(Loose):
    text: str
    unicode: str
    latex: str
    mathml: str


class ParseOut(Loose):
    formula: FormulaOut
    variables: list[str]
    warnings: list[str]
    default_variable: str


class FormOut(Loose):
    name: str
    formula: FormulaOut


class DiffOut(Loose):
    expression: FormulaOut
    variable: str
    order: int
    derivative: FormulaOut
    forms: list[FormOut]
    warnings: list[str]
    nondifferentiable: list[str]
    steps: dict[str, Any] | None = None
    value: dict[str, Any] | None = None
    derivative_value: dict[str, Any] | None = None


router = APIRouter(prefix="/api")
_limiter: anyio.CapacityLimiter | None = None


def _capacity() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(96)
    return _limiter


#: tasks that answer what the learner looks at first, run in the pool's quick lane
QUICK_TASKS = {"quick"}


async def attempt(compute: Compute, task: str, payload: dict[str, Any],
                  lane: str = "fast") -> tuple[str, Any]:
    """The pool's answer to one task; over budget, busy or crashed is an error result in
    the one vocabulary (``("error", {status, kind, message})``), like the task's own."""
    lang = lang_of(payload)
    try:
        return await to_thread.run_sync(compute.run, task, payload, lane, limiter=_capacity())
    except BudgetExceeded:
        return "error", {"status": 422, "kind": "budget", "message": i18n.text(
            "web.error.budget", lang, seconds=f"{compute.total_budget:g}")}
    except Busy:
        return "error", {"status": 429, "kind": "busy",
                         "message": i18n.text("web.error.busy", lang)}
    except WorkerCrashed:
        return "error", {"status": 422, "kind": "limit",
                         "message": i18n.text("web.error.crashed", lang)}


#: the page's panels, cheapest first: the first is computed alone (its answer says
#: whether the formula was read and is a function), the others side by side
PAGE_ORDER = ["tangent", "point", "verify", "plot", "series", "graph", "backprop", "descent",
              "diff"]


async def run_page(compute: Compute, payload: dict[str, Any]) -> tuple[str, Any]:
    """``/api/page`` one panel per task: each panel has its own budget (a formula whose
    backprop table is long does not push its plot into the slow lane), its own cache
    entry, and a panel over budget is that panel's error, not the page's."""
    wanted = sorted(dict.fromkeys(payload.get("panels") or PAGE_ORDER), key=PAGE_ORDER.index)
    one = {**payload, "panels": wanted[:1]}
    first = await attempt(compute, "page", one)
    if len(wanted) == 1:
        return first
    if first[0] == "ok" and (first[1].get("mode") != "function"
                             or "error" in first[1]["panels"]["parse"]):
        return first  # an equation or an unreadable formula: nothing per panel
    results: dict[str, tuple[str, Any]] = {wanted[0]: first}

    async def panel(name: str) -> None:
        results[name] = await attempt(compute, "page", {**payload, "panels": [name]})

    async with anyio.create_task_group() as tg:
        for name in wanted[1:]:
            tg.start_soon(panel, name)
    base = next((data for status, data in results.values() if status == "ok"), None)
    if base is None:
        return first
    out = {**base, "panels": {"parse": base["panels"]["parse"]}}  # cached answers stay intact
    for name in wanted:
        status, data = results[name]
        if status == "ok":
            out["panels"].update({k: v for k, v in data["panels"].items() if k != "parse"})
        else:
            out["panels"][name] = {"error": {k: v for k, v in data.items() if k != "status"}}
    return "ok", out


async def run(request: Request, task: str, body: BaseModel) -> Any:
    """Run a task in the pool and map its outcome to a response or an HTTP error."""
    compute: Compute = request.app.state.get_compute()
    payload = body.model_dump()
    if task == "page":
        status, data = await run_page(compute, payload)
    else:
        status, data = await attempt(compute, task, payload,
                                     "quick" if task in QUICK_TASKS else "fast")
    if status == "ok":
        return data
    data = dict(data)
    code = int(data.pop("status", 422))
    data.pop("trace", None)
    raise HTTPException(code, data)


@router.get("/health", summary="Liveness, version and the worker pool's counters")
async def health(request: Request) -> dict[str, Any]:
    compute: Compute = request.app.state.get_compute()
    return {"status": "ok", "version": __version__, "stats": dict(compute.stats),
            "restarts": compute.fast.restarts + compute.quick.restarts + compute.slow.restarts}


#: The POST endpoints: (task, request model, response model, summary).  Each one
#: validates its body against the model and hands it to the pool task of the same name,
#: so one table instead of eleven copies of the same three-line function; the OpenAPI
#: schema (operation ids, titles, order) is what the separate functions produced.
ENDPOINTS: list[tuple[str, type[BaseModel], Any, str]] = [
    ("page", PageIn, dict[str, Any],
     "Everything the page's panels need for one state, each panel with its data or error"),
    ("quick", PageIn, dict[str, Any],
     "What the page shows first for one state: the formula read, the derivative and its"
     " value at the point (milliseconds; a lane of its own, never behind slow panels)"),
    ("parse", ExprIn, ParseOut,
     "Parse a formula for the live preview (MathML, text, LaTeX, warnings)"),
    ("diff", DiffIn, DiffOut,
     "Derivative in textbook form, alternative forms, steps, value at a point"),
    ("check", CheckIn, dict[str, Any],
     "Check a learner's answer: correct, counterexample, diagnosis"),
    ("numdiff", NumdiffIn, dict[str, Any],
     "Numerical derivative with its error estimate and the exact value"),
    ("verify", AtIn, dict[str, Any],
     "Three-way check at a point: symbolic, numeric and automatic"),
    ("series", SeriesIn, dict[str, Any], "Taylor / Maclaurin polynomial"),
    ("tangent", AtIn, dict[str, Any], "Tangent line at a point"),
    ("sample", SampleIn, dict[str, Any], "f and f' sampled on a range, for plotting"),
    ("surface", SurfaceIn, dict[str, Any],
     "f(x, y) on a grid with its gradient field (contour view)"),
    ("descend", DescendIn, dict[str, Any],
     "Gradient descent on the formula with a chosen optimizer"),
    ("graph", GraphIn, dict[str, Any],
     "Computational graph (SVG) with forward values and gradients"),
    ("implicit", ImplicitIn, dict[str, Any],
     "Implicit differentiation of an equation: dy/dx with steps, the second derivative,"
     " slope and tangent at a point on the curve"),
    ("method", MethodIn, dict[str, Any],
     "The derivative worked by another method: from the definition, through the inverse"
     " function, by logarithmic differentiation"),
    ("backprop", BackpropIn, dict[str, Any],
     "Backpropagation worked node by node: forward values, local derivatives, gradients,"
     " checked against autodiff and a central difference"),
]


def _endpoint(task: str, model: type[BaseModel]) -> Callable[..., Awaitable[Any]]:
    """The endpoint for one task; FastAPI reads the body model from the annotations,
    so they are set to the real classes (this module's are strings)."""
    async def endpoint(body: BaseModel, request: Request) -> Any:
        return await run(request, task, body)

    endpoint.__annotations__ = {"body": model, "request": Request, "return": Any}
    endpoint.__name__ = endpoint.__qualname__ = task
    return endpoint


for _task, _model, _out, _summary in ENDPOINTS:
    router.add_api_route(f"/{_task}", _endpoint(_task, _model), methods=["POST"],
                         response_model=_out, summary=_summary, responses=POST_ERRORS)
