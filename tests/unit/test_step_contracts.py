"""The seams between state machines, handlers and events, checked against lockgate.messages.

For every Lambda Task of every statemachines/*.asl.json (its function found through the template's
DefinitionSubstitutions and registered in lockgate.messages.catalog):
- the Payload (or Parameters, for a Task whose Resource is the function itself) has every required
  field of the function's input model and no field the model does not know; constants must be
  valid values; nested objects are checked against nested models;
- every ResultSelector path into the result (`$.Payload.<field>...`) exists in the output model.
Every events/*.json validates against its function's input model, and every handler parses its
event with the catalog's input model. The hand-offs that are no function's input are checked too:
every PutEvents entry of a registered detail-type (catalog.EVENTS, DETAILS here), every rule that
hands such an event to a state machine, every read of a registered state machine's own input
(catalog.STATE_MACHINES), and every model package metadata in events/ (catalog.PROPERTIES).
Nothing here names a state machine, so new ones are checked as they arrive.
"""

from __future__ import annotations

import ast
import json
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel, RootModel, TypeAdapter, ValidationError

from lockgate.local.deployer.template import load_template
from lockgate.messages.catalog import EVENTS as DETAILS
from lockgate.messages.catalog import FUNCTIONS, PROPERTIES, STATE_MACHINES

REPO = Path(__file__).resolve().parents[2]
MACHINES = sorted((REPO / "statemachines").glob("*.asl.json"))
EVENTS = sorted((REPO / "events").rglob("*.json"))  # events/deploy/ too (they need a package to run)
RESOURCES: dict[str, Any] = load_template(REPO / "template.yaml")["Resources"]
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
LAMBDA_INVOKE = re.compile(r"^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$")
JSONATA_RESULT = re.compile(r"\$states\.result((?:\.\w+)+)")
FUNCTION_TYPE = "AWS::Serverless::Function"


# ---------------------------------------------------------------------------------------- models


def _members(model: object) -> list[type[BaseModel]]:
    """The models a type stands for: itself, a RootModel's root, a union's members."""
    if isinstance(model, type) and issubclass(model, RootModel):
        return _members(model.model_fields["root"].annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [model]
    if get_origin(model) is Annotated:
        return _members(get_args(model)[0])
    if get_origin(model) in (Union, types.UnionType):
        return [m for arg in get_args(model) for m in _members(arg)]
    return []


def _unwrap(annotation: object) -> object:
    """Drop Optional and Annotated around a field's type."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        elif isinstance(annotation, typing.TypeAliasType):
            annotation = annotation.__value__
        else:
            return annotation


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """Field name as the JSON spells it (its alias) -> FieldInfo."""
    return {(info.alias or name): info for name, info in model.model_fields.items()}


def _allows_extra(model: type[BaseModel]) -> bool:
    return model.model_config.get("extra") == "allow"


def _is_dynamic(value: object) -> bool:
    """A JSONata expression: its value is known only at run time."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def payload_problems(payload: dict[str, Any], model: type[BaseModel], where: str) -> list[str]:
    """What is wrong with an ASL payload template for `model` (an empty list: nothing)."""
    fields = _fields(model)
    problems = []
    given = {key.removesuffix(".$"): (key.endswith(".$"), value) for key, value in payload.items()}
    if not _allows_extra(model):
        problems += [f"{where}: {model.__name__} has no field {k!r}" for k in given if k not in fields]
    problems += [
        f"{where}: {model.__name__} requires {name!r}"
        for name, info in fields.items()
        if info.is_required() and name not in given
    ]
    for name, (is_path, value) in given.items():
        info = fields.get(name)
        if info is None or is_path or _is_dynamic(value):
            continue
        inner = _unwrap(info.annotation)
        if isinstance(value, dict) and isinstance(inner, type) and issubclass(inner, BaseModel):
            problems += payload_problems(value, inner, f"{where}.{name}")
        elif not _has_paths(value):
            try:
                field_type = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
                TypeAdapter(field_type).validate_python(value)
            except ValidationError as error:
                problems.append(f"{where}.{name}: {value!r} is not valid: {error.errors()[0]['msg']}")
    return problems


def _has_paths(value: object) -> bool:
    if isinstance(value, dict):
        return any(k.endswith(".$") or _has_paths(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_paths(v) for v in value)
    return _is_dynamic(value)


def path_problem(model: object, path: list[str], where: str) -> str | None:
    """None when `path` (field names) leads somewhere in `model`, else what is wrong."""
    candidates = _members(model)
    if not candidates:
        return f"{where}: no model to read {'.'.join(path)} from"
    for candidate in candidates:
        if _walk(candidate, path):
            return None
    names = " | ".join(c.__name__ for c in candidates)
    return f"{where}: {names} has no {'.'.join(path)}"


def _walk(annotation: object, path: list[str]) -> bool:
    for step in path:
        annotation = _unwrap(annotation)
        members = _members(annotation)
        if members:
            found = [_fields(m)[step].annotation for m in members if step in _fields(m)]
            if not found:
                return any(_allows_extra(m) for m in members)
            annotation = found[0]
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:  # Any reads anything; a scalar (or a list) has no fields
            return annotation is Any
    return True


def _literal_match(model: type[BaseModel], payload: dict[str, Any]) -> bool:
    """False when a constant in the payload contradicts a Literal field of `model`."""
    for name, info in _fields(model).items():
        literal = _unwrap(info.annotation)
        if get_origin(literal) is Literal and name in payload and payload[name] not in get_args(literal):
            return False
    return True


# ------------------------------------------------------------------------------ state machines


@dataclass(frozen=True)
class LambdaTask:
    """One Task state that invokes a Lockgate function."""

    machine: str
    name: str
    function: str  # logical id in template.yaml
    payload: dict[str, Any] | None  # None: the whole state input, unknown statically
    result_paths: tuple[tuple[str, ...], ...]  # field paths read from the function's result

    @property
    def where(self) -> str:
        return f"{self.machine}:{self.name}"


def _function_placeholders() -> dict[tuple[str, str], str]:
    """(state machine file, placeholder) -> the logical id of the function it names."""
    found = {}
    for resource in RESOURCES.values():
        if resource["Type"] != "AWS::Serverless::StateMachine":
            continue
        uri = Path(resource["Properties"]["DefinitionUri"]).name
        for placeholder, value in resource["Properties"].get("DefinitionSubstitutions", {}).items():
            target = None
            if isinstance(value, dict) and "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"][0]
            elif isinstance(value, dict) and "Ref" in value:
                target = value["Ref"]
            if target in RESOURCES and RESOURCES[target]["Type"] == FUNCTION_TYPE:
                found[uri, placeholder] = target
    return found


PLACEHOLDERS = _function_placeholders()


def _strings(value: object) -> Iterator[str]:
    """Every string in a JSON value, depth first."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _result_paths(state: dict[str, Any], prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Field paths a state reads from its task's result (ResultSelector, or JSONata Output)."""
    for text in _strings(state.get("ResultSelector", {})):
        if text.startswith("$."):
            path = tuple(text[2:].split("."))
            if path[: len(prefix)] == prefix and len(path) > len(prefix):
                yield path[len(prefix) :]
    for text in _strings(state.get("Output", {})):
        for match in JSONATA_RESULT.finditer(text):
            path = tuple(match.group(1)[1:].split("."))
            if path[: len(prefix)] == prefix and len(path) > len(prefix):
                yield path[len(prefix) :]


def _tasks(machine: str, states: dict[str, Any], item: dict[str, Any] | None) -> Iterator[LambdaTask]:
    for name, state in states.items():
        if state["Type"] == "Task":
            task = _lambda_task(machine, name, state, item)
            if task is not None:
                yield task
        selector = state.get("ItemSelector", state.get("Parameters")) if state["Type"] == "Map" else None
        for inner in [state.get("ItemProcessor") or state.get("Iterator"), *state.get("Branches", [])]:
            if inner:
                yield from _tasks(machine, inner["States"], selector if state["Type"] == "Map" else None)


def _lambda_task(
    machine: str, name: str, state: dict[str, Any], item: dict[str, Any] | None
) -> LambdaTask | None:
    resource = state["Resource"]
    arguments = state.get("Parameters", state.get("Arguments"))
    if LAMBDA_INVOKE.match(resource):
        function_name = str((arguments or {}).get("FunctionName", ""))
        payload = (arguments or {}).get("Payload")
        if payload is None and (arguments or {}).get("Payload.$") == "$":
            payload = item  # a Map item's processor: the item the ItemSelector built
        prefix: tuple[str, ...] = ("Payload",)
    else:  # the function's ARN as the Resource: Parameters are the payload, the result is bare
        function_name, payload, prefix = resource, arguments, ()
    if not isinstance(payload, dict):
        payload = None  # a path or a JSONata expression: the payload is known only at run time
    placeholder = PLACEHOLDER.search(function_name)
    if placeholder is None:
        return None
    function = PLACEHOLDERS.get((machine, placeholder.group(1)))
    if function is None:
        return None  # not one of our functions (another service's placeholder)
    return LambdaTask(machine, name, function, payload, tuple(_result_paths(state, prefix)))


TASKS = [
    task for path in MACHINES for task in _tasks(path.name, json.loads(path.read_text())["States"], None)
]


# ------------------------------------------------------------------------------------- tests


def test_every_function_of_the_template_is_in_the_catalog() -> None:
    functions = {name for name, r in RESOURCES.items() if r["Type"] == FUNCTION_TYPE}
    assert functions - set(FUNCTIONS) == set(), "register these in lockgate.messages.catalog"
    assert set(FUNCTIONS) - functions == set(), "the catalog names functions the template lacks"


def test_the_state_machines_invoke_lockgate_functions() -> None:
    assert TASKS, "no Lambda task found: the test would check nothing"
    assert {task.function for task in TASKS} >= {"DataGateFunction", "NotifyFailureFunction"}


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.where)
def test_each_task_sends_what_its_function_takes(task: LambdaTask) -> None:
    if task.payload is None:
        pytest.skip(f"{task.where}: the payload is the state input, unknown statically")
    candidates = [m for m in _members(FUNCTIONS[task.function].input) if _literal_match(m, task.payload)]
    assert candidates, f"{task.where}: no input model of {task.function} takes these constants"
    problems = [payload_problems(task.payload, model, task.where) for model in candidates]
    assert any(not p for p in problems), problems


@pytest.mark.parametrize("task", [t for t in TASKS if t.result_paths], ids=lambda t: t.where)
def test_each_task_reads_what_its_function_returns(task: LambdaTask) -> None:
    io = FUNCTIONS[task.function]
    outputs: list[object] = []
    if task.payload is not None:  # the input member that matches may name its own result model
        for member in _members(io.input):
            returns = getattr(member, "returns", None)
            if returns is not None and _literal_match(member, task.payload):
                outputs.append(returns)
    if not outputs:
        assert io.output is not None, (
            f"{task.where} reads the result of {task.function}: give it an output model"
        )
        outputs = [io.output]
    problems = []
    for path in task.result_paths:
        found = [path_problem(output, list(path), task.where) for output in outputs]
        if None not in found:
            problems.append(found[0])
    assert problems == []


def _function_of_event(path: Path) -> str:
    """events/<function folder>[_case].json belongs to functions/<function folder>/ (the longest
    folder that matches: the convention of tests/integration/test_invoke_events.py)."""
    folders = {
        Path(r["Properties"]["CodeUri"]).name: name
        for name, r in RESOURCES.items()
        if r["Type"] == FUNCTION_TYPE
    }
    matches = [f for f in folders if path.stem == f or path.stem.startswith(f"{f}_")]
    assert matches, f"events/{path.name}: name it <function folder>_<case>.json ({sorted(folders)})"
    return folders[max(matches, key=len)]


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: p.name)
def test_each_event_file_is_valid_input(path: Path) -> None:
    model = FUNCTIONS[_function_of_event(path)].input
    model.model_validate(json.loads(path.read_text()))


def _parser_model(handler: Path) -> str | None:
    """The name the handler gives `event_parser(model=...)`."""
    for node in ast.walk(ast.parse(handler.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "event_parser":
            for keyword in node.keywords:
                if keyword.arg == "model" and isinstance(keyword.value, ast.Name):
                    return keyword.value.id
    return None


@pytest.mark.parametrize(
    "function", sorted(n for n, r in RESOURCES.items() if r["Type"] == FUNCTION_TYPE), ids=str
)
def test_each_handler_parses_its_catalog_input_model(function: str) -> None:
    handler = REPO / RESOURCES[function]["Properties"]["CodeUri"] / "app.py"
    assert _parser_model(handler) == FUNCTIONS[function].input.__name__, handler


# ----------------------------------------------------------------- the checker can fail


class _Inner(BaseModel):
    a: str


class _Sample(BaseModel):
    model_config = {"extra": "forbid"}
    step: Literal["x"] = "x"
    name: str
    inner: _Inner | None = None
    table: dict[str, _Inner] = {}


def test_the_checker_names_unknown_missing_and_invalid_fields() -> None:
    problems = payload_problems({"nmae.$": "$.n", "step": "y", "inner": {"b": 1}}, _Sample, "m:S")
    assert "m:S: _Sample has no field 'nmae'" in problems
    assert "m:S: _Sample requires 'name'" in problems
    assert any(p.startswith("m:S.step: 'y' is not valid") for p in problems)
    assert "m:S.inner: _Inner requires 'a'" in problems and "m:S.inner: _Inner has no field 'b'" in problems
    assert payload_problems({"name.$": "$.n", "inner": {"a.$": "$.a"}}, _Sample, "m:S") == []


def test_the_checker_walks_result_paths() -> None:
    assert path_problem(_Sample, ["table", "train", "a"], "w") is None
    assert path_problem(_Sample, ["inner", "a"], "w") is None
    assert path_problem(_Sample, ["inner", "b"], "w") == "w: _Sample has no inner.b"
    assert path_problem(_Sample, ["name", "x"], "w") is not None


def test_jsonata_tasks_are_read_too() -> None:
    state = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {
            "FunctionName": "${DataGateFunctionArn}",
            "Payload": {"step": "reduce", "bucket": "{% $states.input.bucket %}", "dataset": "d"},
        },
        "Output": {"v": "{% $states.result.Payload.version %}", "x": "{% $states.result.Payload.nope %}"},
    }
    task = _lambda_task("ingest.asl.json", "S", state, None)
    assert task is not None and task.function == "DataGateFunction"
    assert task.result_paths == (("version",), ("nope",))
    (reduce,) = [
        m for m in _members(FUNCTIONS["DataGateFunction"].input) if _literal_match(m, task.payload or {})
    ]
    assert payload_problems(task.payload or {}, reduce, "S") == [
        "S: ReduceStep requires 'prefix'",
        "S: ReduceStep requires 'parts'",
    ]


def _all_states(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        yield name, state
        for inner in [state.get("ItemProcessor") or state.get("Iterator"), *state.get("Branches", [])]:
            if inner:
                yield from _all_states(inner["States"])


def _paths(value: object) -> Iterator[str]:
    """The JSONPath reads ($.a.b) in a JSON value's strings."""
    for text in _strings(value):
        yield from re.findall(r"(?<!\$)\$\.[A-Za-z0-9_.]+", text)


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_every_read_of_a_selected_result_names_a_field_its_selector_keeps(path: Path) -> None:
    """`ResultSelector` keeps only the fields it names: reading `$.plan.run` when PlanTraining's
    selector drops `run` fails the run with States.Runtime, which no schema check sees."""
    states = dict(_all_states(json.loads(path.read_text())["States"]))
    kept = {
        state["ResultPath"]: {key.removesuffix(".$") for key in state["ResultSelector"]}
        for state in states.values()
        if isinstance(state.get("ResultSelector"), dict) and isinstance(state.get("ResultPath"), str)
    }
    missing = []
    for name, state in states.items():
        for read in _paths({k: v for k, v in state.items() if k not in ("ResultSelector", "ResultPath")}):
            for prefix, fields in kept.items():
                if read.startswith(prefix + "."):
                    field = read[len(prefix) + 1 :].split(".")[0]
                    if field not in fields:
                        missing.append(f"{name} reads {read}: {prefix} keeps {sorted(fields)}")
    assert not missing, missing


# ------------------------------------------------ hand-offs that are no function's input


PUT_EVENTS = "arn:aws:states:::events:putEvents"


def _put_event_entries() -> list[tuple[str, dict[str, Any]]]:
    """(machine:state, entry) of every PutEvents entry in the state machines."""
    found = []
    for path in MACHINES:
        for name, state in _all_states(json.loads(path.read_text())["States"]):
            if state["Type"] == "Task" and state.get("Resource") == PUT_EVENTS:
                arguments = state.get("Parameters", state.get("Arguments")) or {}
                found += [(f"{path.name}:{name}", entry) for entry in arguments.get("Entries", [])]
    return found


REGISTERED_ENTRIES = [(where, e) for where, e in _put_event_entries() if e.get("DetailType") in DETAILS]


def test_registered_events_are_put_by_the_state_machines() -> None:
    assert {e["DetailType"] for _, e in REGISTERED_ENTRIES} >= {"DatasetVersionCreated"}


@pytest.mark.parametrize("where,entry", REGISTERED_ENTRIES, ids=lambda v: v if isinstance(v, str) else "")
def test_each_put_event_detail_is_its_model(where: str, entry: dict[str, Any]) -> None:
    assert entry.get("Source") == "lockgate", where
    assert payload_problems(entry["Detail"], DETAILS[entry["DetailType"]], where) == []


def _rules() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(target logical id, rule name, rule properties) of every EventBridge rule on a state machine."""
    for target, resource in RESOURCES.items():
        if resource["Type"] == "AWS::Serverless::StateMachine":
            for rule, event in resource["Properties"].get("Events", {}).items():
                if event["Type"] == "EventBridgeRule":
                    yield target, rule, event["Properties"]


def test_each_rule_hands_a_state_machine_the_input_it_takes() -> None:
    checked = []
    for target, rule, properties in _rules():
        pattern = properties["Pattern"]
        for detail_type in pattern.get("detail-type", []):
            if pattern.get("source") == ["lockgate"] and detail_type in DETAILS:
                assert properties.get("InputPath") == "$.detail", f"{rule}: the machine takes the detail"
                assert STATE_MACHINES.get(target) is DETAILS[detail_type], f"{rule} -> {target}"
                checked.append(rule)
    assert "DatasetVersionCreated" in checked


def input_problems(states: dict[str, Any], model: type[BaseModel], where: str) -> list[str]:
    """Every read of the execution's own input (a `$.` path no ResultPath wrote) that `model` lacks."""
    flat = dict(_all_states(states))
    written = {
        str(path).removeprefix("$.").split(".")[0]
        for state in flat.values()
        for path in [state.get("ResultPath"), *(c.get("ResultPath") for c in state.get("Catch", []))]
        if isinstance(path, str) and path.startswith("$.")
    }
    problems = []
    for name, state in flat.items():
        reads = _paths({k: v for k, v in state.items() if k not in ("ResultSelector", "ResultPath", "Catch")})
        for read in reads:
            path = read.removeprefix("$.").split(".")
            if path[0] not in written:
                problems.append(path_problem(model, path, f"{where}:{name}"))
    return [p for p in problems if p is not None]


def _machine_file(logical_id: str) -> Path:
    return REPO / RESOURCES[logical_id]["Properties"]["DefinitionUri"]


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES), ids=str)
def test_each_state_machine_reads_only_what_its_input_has(machine: str) -> None:
    states = json.loads(_machine_file(machine).read_text())["States"]
    assert input_problems(states, STATE_MACHINES[machine], machine) == []


def test_the_input_checker_names_a_missing_field() -> None:
    states = {
        "A": {"Type": "Pass", "Parameters": {"d.$": "$.dataset", "n.$": "$.nope.x"}, "ResultPath": "$.a"},
        "B": {"Type": "Pass", "Parameters": {"r.$": "$.a.anything", "s.$": "$.splits.train.parquet"}},
    }
    assert input_problems(states, STATE_MACHINES["TrainStateMachine"], "m") == [
        "m:A: DatasetVersionCreated has no nope.x"
    ]


def _properties(value: object) -> Iterator[tuple[str, dict[str, str]]]:
    """(field, value) of every registered metadata field in a JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in PROPERTIES:
                yield key, inner
            else:
                yield from _properties(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _properties(inner)


EVENT_PROPERTIES = [
    (path, field, found) for path in EVENTS for field, found in _properties(json.loads(path.read_text()))
]


def test_events_carry_package_metadata() -> None:
    assert EVENT_PROPERTIES, "no events/ file carries a model package's metadata: nothing is checked"


@pytest.mark.parametrize("path,field,found", EVENT_PROPERTIES, ids=lambda v: getattr(v, "name", ""))
def test_each_package_metadata_in_events_reads_and_writes_back(
    path: Path, field: str, found: dict[str, str]
) -> None:
    model = PROPERTIES[field]
    assert model.from_properties(found).to_properties() == found, path
