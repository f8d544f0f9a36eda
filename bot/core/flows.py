"""Declared multi-step flows: each step asks a question and reads the answer into typed data.

A flow is a table of steps, like the states of python-telegram-bot's ConversationHandler:

    REGISTER = Flow(
        "hh_new",
        NewHousehold,  # a FlowData model, kept as JSON in the chat's conversation state
        prefix="hc",  # its answer buttons are "hc:<step>:<value>"
        steps={
            "name": Step(ask_name, read_name),
            "mem": Step(ask_members, read_members),
            ...
        },
    )

`ask(ctx, data)` returns the question; `answer(ctx, data, Answer)` reads a typed or pressed
answer into `data` and says what comes next: a step name (asked at once), `Done(replies)` (the
flow is over), or replies to show while staying on the same step. Raising `Invalid(text)` asks
the same question again after `text`; this is the one place that re-asks. A button of a step
already answered asks the current question again; a button of a flow that is over says so.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.messages import Choice, Replies, Reply
from bot.locales import t

log = logging.getLogger(__name__)

CANCEL = "cancel"


class FlowData(BaseModel):
    """What a flow collects between messages; subclasses declare typed fields."""


D = TypeVar("D", bound=FlowData)


class Invalid(Exception):
    """An answer that cannot be used; `text` says why, and the question is asked again."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True, slots=True)
class Answer:
    """What the person typed, or the value of the answer button they pressed."""

    text: str
    pressed: bool


@dataclass(frozen=True, slots=True)
class Done:
    """The flow is over and these replies close it (a flow started meanwhile keeps running)."""

    replies: Replies


Next = str | Done | Reply | list[Reply]
Ask = Callable[[Context, D], Awaitable[Reply]]
Read = Callable[[Context, D, Answer], Awaitable[Next]]
Cancel = Callable[[Context, D], Awaitable[Replies]]


@dataclass(frozen=True, slots=True)
class Step(Generic[D]):
    ask: Ask[D]
    answer: Read[D]
    typed: bool = True  # False: only its buttons answer it; typed text points at them


@dataclass(frozen=True, slots=True)
class FlowTexts:
    """Locale keys of what a flow says about stale buttons and typed text on button steps."""

    stale: str = "flows.stale_button"
    old_button: str = "flows.old_button"
    use_buttons: str = "flows.use_buttons"


class Flow(Generic[D]):
    """A declared multi-step conversation with typed data, re-asking in one place."""

    def __init__(
        self,
        name: str,
        data: type[D],
        steps: Mapping[str, Step[D]],
        *,
        prefix: str | None = None,
        texts: FlowTexts = FlowTexts(),
        way_out: Callable[[], Choice] = menu_choice,
        on_cancel: Cancel[D] | None = None,
    ) -> None:
        self.name = name
        self.data = data
        self.steps = dict(steps)
        self.prefix = prefix
        self.texts = texts
        self.way_out = way_out
        self.on_cancel = on_cancel

    # ------------------------------------------------------------------ for the feature

    def enter(self, ctx: Context, data: D, step: str) -> None:
        """Make this flow the chat's current one, at `step`, without asking anything yet."""
        if step not in self.steps:
            raise ValueError(f"flow {self.name} has no step {step!r}")
        ctx.start_flow(self.name, step, **data.model_dump(mode="json"))

    async def start(self, ctx: Context, data: D, step: str) -> Replies:
        """Enter the flow at `step` and ask its question."""
        self.enter(ctx, data, step)
        return await self._ask(ctx, data, step)

    def is_current(self, ctx: Context) -> bool:
        return ctx.state.flow == self.name

    def data_of(self, ctx: Context) -> D | None:
        """The flow's data, if this flow is current and its data still reads as declared."""
        if not self.is_current(ctx):
            return None
        try:
            return self.data.model_validate(ctx.state.data)
        except ValidationError:
            log.info("flow %s: stored data no longer valid; the flow is ended", self.name)
            return None

    def option(self, step: str, value: object, label: str) -> Choice:
        """An answer button for `step`: "<prefix>:<step>:<value>"."""
        if self.prefix is None:
            raise ValueError(f"flow {self.name} has no button prefix")
        return Choice(label, f"{self.prefix}:{step}:{value}")

    def cancel_option(self, label: str) -> Choice:
        if self.prefix is None:
            raise ValueError(f"flow {self.name} has no button prefix")
        return Choice(label, f"{self.prefix}:{CANCEL}")

    async def ask_again(self, ctx: Context, problem: str | None = None) -> Replies:
        """The current step's question again, after `problem` if given."""
        data = self.data_of(ctx)
        step = ctx.state.step or ""
        if data is None or step not in self.steps:
            return self.stale(ctx)
        return await self._ask(ctx, data, step, problem)

    def stale(self, ctx: Context) -> Reply:
        """A button or answer that belongs to a flow that is over."""
        if self.is_current(ctx):
            ctx.end_flow()
        return Reply(t(self.texts.stale), choices=(self.way_out(),))

    # ------------------------------------------------------------------- for the core

    async def typed(self, ctx: Context) -> Replies:
        """Typed text while this flow is current: the answer to the current step."""
        step = self.steps.get(ctx.state.step or "")
        if step is not None and not step.typed:
            return await self.ask_again(ctx, t(self.texts.use_buttons))
        return await self.answer(ctx, ctx.state.step or "", Answer(ctx.incoming.text or "", False))

    async def pressed(self, ctx: Context, parts: list[str]) -> Replies:
        """An answer button "<prefix>:<step>:<value>" or "<prefix>:cancel"."""
        if parts == [CANCEL]:
            return await self.cancel(ctx)
        if len(parts) < 2:
            return self.stale(ctx)
        step, value = parts[0], ":".join(parts[1:])
        return await self.answer(ctx, step, Answer(value, True))

    async def cancel(self, ctx: Context) -> Replies:
        data = self.data_of(ctx)
        if data is None:
            return self.stale(ctx)
        ctx.end_flow()
        if self.on_cancel is None:
            return Reply(t("cancel.done"), choices=(self.way_out(),))
        return await self.on_cancel(ctx, data)

    async def answer(self, ctx: Context, step_name: str, answer: Answer) -> Replies:
        """Read one answer for `step_name` and move on; the one place that re-asks."""
        data = self.data_of(ctx)
        current = ctx.state.step or ""
        if data is None or current not in self.steps:
            return self.stale(ctx)
        if step_name != current:
            return await self._ask(ctx, data, current, t(self.texts.old_button))
        serial = ctx.flow_serial
        try:
            result = await self.steps[current].answer(ctx, data, answer)
        except Invalid as problem:
            return await self._ask(ctx, data, current, problem.text)
        if ctx.flow_serial != serial:  # the step started or ended a flow itself
            return _shown(result, self.name)
        if isinstance(result, Done):
            ctx.end_flow()
            return result.replies
        ctx.state.data = data.model_dump(mode="json")
        if isinstance(result, str):
            if result not in self.steps:
                raise ValueError(f"flow {self.name} has no step {result!r}")
            ctx.state.step = result
            return await self._ask(ctx, data, result)
        return result

    async def _ask(self, ctx: Context, data: D, step: str, problem: str | None = None) -> Reply:
        question = await self.steps[step].ask(ctx, data)
        if not problem:
            return question
        return replace(question, text=f"{problem}\n\n{question.text}")


def _shown(result: Next, flow: str) -> Replies:
    if isinstance(result, str):
        raise ValueError(f"flow {flow}: a step that changed flows must return replies")
    return result.replies if isinstance(result, Done) else result
