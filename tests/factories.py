"""Journey maps built in code, for tests that need a realistic map without running the pipeline.

`sample_map()` is a complete service blueprint for an invented business bank ("Ledgerline"): two personas,
four stages, every observed item backed by evidence from the participants' transcripts, plus one assumption
from the brief, a contradiction and a provenance record. `brief_only_map()` and `empty_map()` cover the
sparse ends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cjgen.observations import Observation
from cjgen.schema import (
    Action,
    BlueprintLane,
    BlueprintStep,
    Contradiction,
    ContradictionSide,
    Delight,
    Emotion,
    Evidence,
    GroundingStats,
    InputFile,
    JourneyMap,
    MapType,
    ModelCall,
    Opportunity,
    PainPoint,
    Persona,
    Provenance,
    Review,
    Stage,
    Thought,
    Touchpoint,
)

CREATED_AT = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

# Participant id -> source file; P2 and P4 were recorded calls with subtitles, so their quotes have times.
SOURCES = {"P1": "P1.txt", "P2": "P2.vtt", "P3": "P3.txt", "P4": "P4.srt"}


def ev(
    participant_id: str,
    turn_index: int,
    quote: str,
    *,
    start: int = 0,
    timestamp_s: float | None = None,
    redacted: bool = False,
) -> Evidence:
    """One grounded quote; the source file follows from the participant id."""
    source_id = SOURCES.get(participant_id, f"{participant_id}.txt")
    if timestamp_s is None and not source_id.endswith(".txt"):
        timestamp_s = 41.0 * turn_index + 7.5
    return Evidence(
        source_id=source_id,
        participant_id=participant_id,
        turn_index=turn_index,
        start=start,
        end=start + len(quote),
        quote=quote,
        timestamp_s=timestamp_s,
        redacted=redacted,
        observation_id=f"obs-{participant_id.lower()}-{turn_index}",
    )


# ------------------------------------------------------------------------------------------ evidence pool

E_COMPARE = ev("P1", 3, "I had four tabs open comparing fees and none of them said the same thing")
E_ASK_ACCOUNTANT = ev("P2", 4, "my accountant just told me which bank to pick, I didn't shop around")
E_FEES_HIDDEN = ev("P3", 5, "the monthly fee was buried three clicks deep, under 'pricing details'")
E_FEES_UNCLEAR = ev("P4", 6, "I still don't know what I pay for card transactions abroad")
E_FORM_LONG = ev("P1", 7, "the form asked for my business plan, which I don't have, I'm a plumber")
E_FORM_SAVE = ev("P3", 9, "it timed out and I lost everything I'd typed, so I started again")
E_FORM_APP = ev("P2", 8, "doing it on the phone was actually quick, maybe ten minutes")
E_ID_WAIT = ev("P1", 11, "then nothing for nine days, no email, no nothing")
E_ID_WAIT_2 = ev("P4", 12, "they said 48 hours and it took two weeks, I chased them twice")
E_ID_DOCS = ev("P3", 13, "they wanted a utility bill in the business name, but I work from home")
E_ID_CALL = ev("P2", 14, "the woman on the phone sorted it in one call, she was brilliant")
E_ID_EMAIL = ev(
    "P4",
    15,
    "I emailed [EMAIL] three times and got the same template back",
    redacted=True,
)
E_CARD_FAST = ev("P1", 17, "the card came the next morning, that was a nice surprise")
E_APP_INVOICE = ev("P2", 18, "sending an invoice from the app and seeing it paid, that's the bit I love")
E_APP_SYNC = ev("P4", 19, "it doesn't talk to my accounting software, so I export CSVs every Friday")
E_APP_SYNC_2 = ev("P2", 20, "the export to my bookkeeping tool breaks the VAT column every time")
E_FIRST_PAY = ev("P3", 16, "my first customer paid in and I felt like a proper business")
E_PERSONA_SOLO = ev("P1", 1, "it's just me and the van, I do the books on Sunday night")
E_PERSONA_SOLO_2 = ev("P3", 1, "I'm a one-woman show, I design, I invoice, I chase")
E_PERSONA_GROW = ev("P2", 1, "we're six people now and two of them can spend money")
E_PERSONA_GROW_2 = ev("P4", 1, "we went from me to a team of four last year")


BLUEPRINT_PLAN: list[tuple[str, BlueprintLane, str]] = [
    ("research", "frontstage", "Pricing pages, FAQ"),
    ("apply", "frontstage", "Web form and app sign-up"),
    ("apply", "backstage", "Application queued for review"),
    ("verify", "frontstage", "Helpline and support inbox"),
    ("verify", "backstage", "Manual KYC review"),
    ("verify", "support", "Third-party ID check"),
    ("use", "backstage", "Card issued and posted"),
    ("use", "support", "CSV export service"),
]


def _stage(stage_id: str, name: str, description: str, evidence: list[Evidence]) -> Stage:
    return Stage(id=stage_id, name=name, description=description, evidence=evidence)


def sample_map(map_type: MapType = "service-blueprint") -> JourneyMap:
    """A realistic, internally consistent map: every id resolves and every observed item has evidence."""
    solo, grow = "persona-solo", "persona-growing"
    personas = [
        Persona(
            id=solo,
            name="Sole trader",
            description="Runs the business alone and does the admin at night; wants banking to take no time.",
            participant_ids=["P1", "P3"],
            goals=["Get paid quickly", "Spend as little time on admin as possible"],
            evidence=[E_PERSONA_SOLO, E_PERSONA_SOLO_2],
            review=Review(status="accepted", reviewer="maria", at=CREATED_AT),
        ),
        Persona(
            id=grow,
            name="Growing team owner",
            description="Has a small team, several of whom spend money; cares about control and bookkeeping.",
            participant_ids=["P2", "P4"],
            goals=["Give staff cards with limits", "Keep the books in sync without manual work"],
            evidence=[E_PERSONA_GROW, E_PERSONA_GROW_2],
        ),
    ]
    stages = [
        _stage("research", "Research", "Choosing a bank and comparing accounts.", [E_COMPARE, E_FEES_HIDDEN]),
        _stage("apply", "Apply", "Filling in the online application.", [E_FORM_LONG, E_FORM_APP]),
        _stage("verify", "Verify identity", "Identity and business checks (KYC).", [E_ID_WAIT, E_ID_CALL]),
        _stage(
            "use", "First weeks", "Card arrives, first payments and bookkeeping.", [E_CARD_FAST, E_APP_SYNC]
        ),
    ]
    actions = [
        Action(
            id="act-compare",
            stage_id="research",
            text="Compares fees across bank websites",
            persona_ids=[solo],
            evidence=[E_COMPARE, E_FEES_HIDDEN],
        ),
        Action(
            id="act-ask-accountant",
            stage_id="research",
            text="Asks their accountant which bank to choose",
            persona_ids=[grow],
            evidence=[E_ASK_ACCOUNTANT],
        ),
        Action(
            id="act-fill-form",
            stage_id="apply",
            text="Fills in the application form",
            persona_ids=[solo, grow],
            evidence=[E_FORM_LONG, E_FORM_APP],
        ),
        Action(
            id="act-send-docs",
            stage_id="verify",
            text="Uploads ID and proof of address, then waits",
            persona_ids=[solo, grow],
            evidence=[E_ID_DOCS, E_ID_WAIT],
        ),
        Action(
            id="act-chase",
            stage_id="verify",
            text="Chases the bank by email and phone",
            persona_ids=[grow],
            evidence=[E_ID_WAIT_2, E_ID_EMAIL],
            review=Review(status="edited", note="Merged 'emails support' into this.", reviewer="maria"),
        ),
        Action(
            id="act-invoice",
            stage_id="use",
            text="Sends first invoices from the app",
            persona_ids=[solo, grow],
            evidence=[E_APP_INVOICE, E_FIRST_PAY],
        ),
        Action(
            id="act-export",
            stage_id="use",
            text="Exports transactions to accounting software",
            persona_ids=[grow],
            evidence=[E_APP_SYNC, E_APP_SYNC_2],
        ),
    ]
    touchpoints = [
        Touchpoint(
            id="tp-website",
            stage_id="research",
            kind="web",
            name="Pricing pages",
            persona_ids=[solo],
            evidence=[E_COMPARE, E_FEES_HIDDEN],
        ),
        Touchpoint(
            id="tp-accountant",
            stage_id="research",
            kind="word of mouth",
            name="Accountant's recommendation",
            persona_ids=[grow],
            evidence=[E_ASK_ACCOUNTANT],
        ),
        Touchpoint(
            id="tp-form",
            stage_id="apply",
            kind="web",
            name="Online application form",
            persona_ids=[solo],
            evidence=[E_FORM_LONG, E_FORM_SAVE],
        ),
        Touchpoint(
            id="tp-app-signup",
            stage_id="apply",
            kind="app",
            name="Mobile sign-up",
            persona_ids=[grow],
            evidence=[E_FORM_APP],
        ),
        Touchpoint(
            id="tp-support-email",
            stage_id="verify",
            kind="email",
            name="Support inbox",
            persona_ids=[grow],
            evidence=[E_ID_EMAIL],
        ),
        Touchpoint(
            id="tp-phone",
            stage_id="verify",
            kind="phone",
            name="Onboarding helpline",
            persona_ids=[grow],
            evidence=[E_ID_CALL],
        ),
        Touchpoint(
            id="tp-card",
            stage_id="use",
            kind="post",
            name="Debit card in the post",
            persona_ids=[solo],
            evidence=[E_CARD_FAST],
        ),
        Touchpoint(
            id="tp-app",
            stage_id="use",
            kind="app",
            name="Banking app",
            persona_ids=[solo, grow],
            evidence=[E_APP_INVOICE, E_APP_SYNC],
        ),
    ]
    thoughts = [
        Thought(
            id="th-fees",
            stage_id="research",
            text="“What will this actually cost me each month?”",
            persona_ids=[solo, grow],
            evidence=[E_FEES_HIDDEN, E_FEES_UNCLEAR],
        ),
        Thought(
            id="th-plan",
            stage_id="apply",
            text="“Why do they need a business plan for a current account?”",
            persona_ids=[solo],
            evidence=[E_FORM_LONG],
        ),
        Thought(
            id="th-limbo",
            stage_id="verify",
            text="“Has my application been lost?”",
            persona_ids=[solo, grow],
            evidence=[E_ID_WAIT, E_ID_WAIT_2],
        ),
        Thought(
            id="th-proper",
            stage_id="use",
            text="“This feels like a real business now.”",
            persona_ids=[solo],
            evidence=[E_FIRST_PAY],
        ),
    ]
    emotion_plan = [
        ("research", solo, -1, "Fee pages are confusing", [E_COMPARE]),
        ("research", grow, 0, "Trusts the accountant's pick", [E_ASK_ACCOUNTANT]),
        ("apply", solo, -1, "Form written for bigger companies", [E_FORM_LONG, E_FORM_SAVE]),
        ("apply", grow, 1, "App sign-up was quick", [E_FORM_APP]),
        ("verify", solo, -2, "Long silence after applying", [E_ID_WAIT, E_ID_DOCS]),
        ("verify", grow, -1, "Slow, but one helpful call", [E_ID_WAIT_2, E_ID_CALL]),
        ("use", solo, 2, "Card arrives fast; first payment in", [E_CARD_FAST, E_FIRST_PAY]),
        ("use", grow, 1, "Invoicing is great, exports are not", [E_APP_INVOICE, E_APP_SYNC]),
    ]
    emotions = [
        Emotion(
            id=f"em-{stage}-{persona}", stage_id=stage, persona_id=persona, score=score, note=note, evidence=e
        )
        for stage, persona, score, note, e in emotion_plan
    ]
    pain_points = [
        PainPoint(
            id="pp-fees",
            stage_id="research",
            statement="Fees are hard to find and compare",
            persona_ids=[solo, grow],
            severity=2,
            evidence=[E_FEES_HIDDEN, E_FEES_UNCLEAR, E_COMPARE],
        ),
        PainPoint(
            id="pp-form",
            stage_id="apply",
            statement="Application asks for documents a sole trader does not have, and loses progress",
            persona_ids=[solo],
            severity=2,
            evidence=[E_FORM_LONG, E_FORM_SAVE],
            review=Review(status="accepted", reviewer="maria", at=CREATED_AT),
        ),
        PainPoint(
            id="pp-silence",
            stage_id="verify",
            statement="No status updates during identity checks that take far longer than promised",
            persona_ids=[solo, grow],
            severity=3,
            evidence=[E_ID_WAIT, E_ID_WAIT_2, E_ID_EMAIL],
        ),
        PainPoint(
            id="pp-address",
            stage_id="verify",
            statement="Proof-of-address rules do not fit people who work from home",
            persona_ids=[solo],
            severity=1,
            evidence=[E_ID_DOCS],
            review=Review(status="rejected", note="Only one participant; park for now.", reviewer="maria"),
        ),
        PainPoint(
            id="pp-sync",
            stage_id="use",
            statement="Transactions do not sync cleanly to accounting software",
            persona_ids=[grow],
            severity=3,
            evidence=[E_APP_SYNC, E_APP_SYNC_2],
        ),
        PainPoint(
            id="pp-branch",
            stage_id="verify",
            statement="Customers want to visit a branch to finish verification",
            persona_ids=[solo, grow],
            severity=2,
            basis="assumption",
        ),
    ]
    delights = [
        Delight(
            id="dl-helpline",
            stage_id="verify",
            statement="A knowledgeable helpline agent resolves the blocker in one call",
            persona_ids=[grow],
            severity=2,
            evidence=[E_ID_CALL],
        ),
        Delight(
            id="dl-card",
            stage_id="use",
            statement="The card arrives the next day",
            persona_ids=[solo],
            severity=2,
            evidence=[E_CARD_FAST],
        ),
        Delight(
            id="dl-invoice",
            stage_id="use",
            statement="Invoicing from the app and seeing the payment land",
            persona_ids=[solo, grow],
            severity=3,
            evidence=[E_APP_INVOICE, E_FIRST_PAY],
        ),
    ]
    opportunities = [
        Opportunity(
            id="op-fee-calculator",
            statement="Show a plain monthly-cost calculator on the first pricing page",
            addresses=["pp-fees"],
            owner="Web team",
            metric="Pricing-page to application conversion",
            evidence=[E_FEES_HIDDEN, E_FEES_UNCLEAR],
        ),
        Opportunity(
            id="op-status-tracker",
            statement="Proactive status tracker with an honest time estimate during verification",
            addresses=["pp-silence", "pp-address"],
            owner="Onboarding ops",
            metric="Support contacts per application",
            evidence=[E_ID_WAIT, E_ID_WAIT_2],
        ),
        Opportunity(
            id="op-sole-trader-form",
            statement="A shorter application path for sole traders that saves progress",
            addresses=["pp-form"],
            evidence=[E_FORM_LONG, E_FORM_SAVE],
        ),
        Opportunity(
            id="op-accounting-sync",
            statement="Native sync with the three most used bookkeeping tools",
            addresses=["pp-sync"],
            metric="Weekly manual exports",
            evidence=[E_APP_SYNC, E_APP_SYNC_2],
        ),
    ]
    side_fast = ContradictionSide(
        participant_ids=["P2"],
        statement="Signing up was quick",
        evidence=[E_FORM_APP],
    )
    side_slow = ContradictionSide(
        participant_ids=["P1", "P3"],
        statement="Signing up was slow and frustrating",
        evidence=[E_FORM_LONG, E_FORM_SAVE],
    )
    contradictions = [
        Contradiction(
            id="ct-signup-speed",
            stage_id="apply",
            what="How long the application takes",
            sides=[side_fast, side_slow],
            evidence=[*side_fast.evidence, *side_slow.evidence],
        )
    ]
    stage_evidence = {s.id: s.evidence[:1] for s in stages}
    blueprint = [
        BlueprintStep(
            id=f"bp-{stage_id}-{lane}",
            stage_id=stage_id,
            lane=lane,
            text=text,
            evidence=stage_evidence[stage_id],
        )
        for stage_id, lane, text in BLUEPRINT_PLAN
    ]
    return JourneyMap(
        id="map-ledgerline-onboarding",
        version=3,
        title="Ledgerline business account onboarding",
        map_type=map_type,
        summary=(
            "Small-business owners choose Ledgerline on recommendation or price, but the journey dips "
            "sharply during identity checks, where long silences drive repeated support contacts. Sole "
            "traders struggle with a form built for larger companies; growing teams are let down by "
            "bookkeeping exports."
        ),
        personas=personas,
        stages=stages,
        actions=actions,
        touchpoints=touchpoints,
        thoughts=thoughts,
        emotions=emotions,
        pain_points=pain_points,
        delights=delights,
        opportunities=opportunities,
        contradictions=contradictions,
        blueprint=blueprint,
        notes=[
            "P4's interview was cut short after 25 minutes; 'First weeks' has less evidence from them.",
            "One claim from the brief (branch visits) has no interview evidence; it stays an assumption.",
        ],
        provenance=sample_provenance(),
    )


def sample_provenance() -> Provenance:
    calls = [
        ModelCall(
            step="extract",
            prompt_id="extract",
            template_hash="9f2c1ab4e0d3",
            model="qwen2.5-coder-1.5b-instruct-q4_k_m",
            params={"temperature": 0.0, "max_tokens": 2048},
            prompt_tokens=2100 + 150 * i,
            completion_tokens=410 + 20 * i,
            seconds=31.5 + i,
        )
        for i in range(4)
    ]
    calls.append(
        ModelCall(
            step="synthesize",
            prompt_id="synthesize",
            template_hash="41be07c2d9aa",
            model="qwen2.5-coder-1.5b-instruct-q4_k_m",
            params={"temperature": 0.0, "max_tokens": 3072},
            prompt_tokens=3900,
            completion_tokens=1250,
            seconds=88.2,
        )
    )
    calls.append(calls[0].model_copy(update={"cached": True, "seconds": 0.0}))
    return Provenance(
        tool_version="0.1.0",
        backend="local",
        model="qwen2.5-coder-1.5b-instruct-q4_k_m",
        created_at=CREATED_AT,
        prompts={"extract": "9f2c1ab4e0d3", "synthesize": "41be07c2d9aa"},
        inputs=[
            InputFile(path="brief.md", sha256="a1" * 32, kind="brief"),
            *(
                InputFile(
                    path=f"transcripts/{source}",
                    sha256=f"{i:02d}" * 32,
                    kind="transcript",
                    participant_id=p,
                    turns=24,
                )
                for i, (p, source) in enumerate(SOURCES.items())
            ),
        ],
        calls=calls,
        step_seconds={
            "ingest": 0.04,
            "redact": 0.02,
            "extract": 132.6,
            "ground": 0.31,
            "synthesize": 88.2,
            "validate": 0.05,
            "render": 0.02,
        },
        redaction={"email": 2, "phone": 1},
        grounding=GroundingStats(
            quotes_total=31,
            grounded=27,
            rejected=4,
            observations_total=29,
            observations_unsupported=3,
            observations_dropped=3,
        ),
        unsupported=["Customers prefer paper statements", "Fees are lower than competitors'"],
        reasks=1,
    )


def brief_only_map() -> JourneyMap:
    """A draft from a brief alone: every item is an assumption with no evidence."""
    persona = Persona(
        id="persona-busy-parent",
        name="Busy parent",
        description="Orders groceries in the evening for a family of four.",
        basis="assumption",
    )
    stages = [
        Stage(id="discover", name="Discover", basis="assumption"),
        Stage(id="first-order", name="First order", basis="assumption"),
    ]
    return JourneyMap(
        id="map-brief-only",
        title="Grocery delivery (draft from brief)",
        map_type="future-state",
        summary="Drafted from the brief alone; every item needs checking in interviews.",
        personas=[persona],
        stages=stages,
        actions=[
            Action(
                id="act-discover",
                stage_id="discover",
                text="Hears about the service from other parents",
                persona_ids=[persona.id],
                basis="assumption",
            )
        ],
        touchpoints=[
            Touchpoint(
                id="tp-social",
                stage_id="discover",
                kind="social",
                name="Local parents' group",
                basis="assumption",
            )
        ],
        emotions=[Emotion(id="em-first", stage_id="first-order", score=1, basis="assumption")],
        pain_points=[
            PainPoint(
                id="pp-slots",
                stage_id="first-order",
                statement="Evening delivery slots sell out",
                basis="assumption",
            )
        ],
        opportunities=[
            Opportunity(id="op-slots", statement="Reserve slots for subscribers", addresses=["pp-slots"])
        ],
        provenance=Provenance(
            tool_version="0.1.0", backend="scripted", model="scripted", created_at=CREATED_AT
        ),
    )


def empty_map() -> JourneyMap:
    """The least a map can be: a title and a provenance, nothing else."""
    return JourneyMap(
        id="map-empty",
        title="Empty map",
        provenance=Provenance(
            tool_version="0.1.0", backend="scripted", model="scripted", created_at=CREATED_AT
        ),
    )


def obs(
    obs_id: str, pid: str, text: str, stage: str = "use", kind: str = "pain", question: str = ""
) -> Observation:
    return Observation(
        id=obs_id,
        source_id=f"{pid}.txt",
        participant_id=pid,
        kind=kind,  # type: ignore[arg-type]
        stage_id=stage,
        text=text,
        question=question,
        evidence=[ev(pid, 1, text)],
    )
