"""Context decides whether a mention of fine-tuning is the vendor proposing it.

Each case is a short passage in a vendor's words and whether the plan, as a
careful reviewer reads it, updates model weights.
"""

from __future__ import annotations

import pytest

from proposal_lint.lint import Linter, document_from_text

PROPOSES = [
    "We will fine-tune GPT-4o-mini on your 3,000 historic support tickets.",
    "Stage 2 (weeks 5-8): LoRA adapters are trained on the labelled claim notes.",
    "The solution includes a custom-trained language model built on Llama 3.1 8B.",
    "Our consultants will perform continued pre-training of Mistral 7B on your engineering archive.",
    "| Model fine-tuning (QLoRA) on client data | 8 days | EUR 9,600 |",
    "Your own proprietary AI model, trained on ten years of your correspondence.",
    "Fine-tuned models outperform generic chatbots, which is why we fine-tune a dedicated model for each client.",
    "The Contractor shall fine-tune the base model on the Customer Data and deliver the resulting weights.",
    "We fine-tune Claude 3 Haiku on Amazon Bedrock as a custom model for your routing categories.",
]

DOES_NOT = [
    # negation
    "We do not recommend fine-tuning at this stage.",
    "Fine-tuning is not part of this offer.",
    "No model will be fine-tuned; your data is never used to train any model.",
    "The Supplier shall not use Council data (including transcripts) to train, fine-tune or otherwise adapt any model.",
    # contrast and rejected alternatives
    "Unlike fine-tuning, retrieval keeps answers current when a policy changes.",
    "We considered fine-tuning a model on your manuals and rejected it.",
    "Rather than fine-tuning, we ground every answer in your documents.",
    # hypotheticals and later options
    "Fine-tuning could be considered in year two if monthly volumes exceed 50,000.",
    "If accuracy plateaus, we may revisit a fine-tuned classifier in a later phase.",
    # quoted or reported questions, RFP wording
    "Will the supplier fine-tune a model on the Council's data?",
    "You asked whether we would fine-tune a model on your catalogue.",
    "Bidders should describe whether they intend to fine-tune a model on client data.",
    # definitions / general education
    "Fine-tuning is the process of further training an existing model on example pairs.",
    "A fine-tuned model changes how it responds, not what it knows.",
    # other senses of "tune"
    "During the pilot we fine-tune the retrieval settings, chunk size and reranker threshold.",
    "Prompt fine-tuning sessions with your team are included in week 3.",
    "We fine-tune the rollout plan with your managers after the first month.",
    "The Supplier shall fine-tune the review playbook prompts with the Firm's knowledge lawyer.",
    # training of people, pricing models
    "We train your staff in two half-day workshops; the pricing model is a fixed monthly fee.",
]


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter()


def _fine_tuning(linter: Linter, text: str):
    _, results = linter.analyse(document_from_text(text))
    return results["fine_tuning"]


@pytest.mark.parametrize("text", PROPOSES)
def test_counts_as_proposing(linter, text):
    result = _fine_tuning(linter, text)
    assert result.present, f"missed: {text} (discounted as {[r for _, r in result.discounted]})"


@pytest.mark.parametrize("text", DOES_NOT)
def test_does_not_count(linter, text):
    result = _fine_tuning(linter, text)
    assert not result.present, f"counted: {[h.text for h in result.counted]} in {text}"


def test_trained_on_documents_that_is_retrieval():
    text = (
        "# Your assistant\n\nThe assistant is trained on your documents and always up to date.\n\n"
        "# Architecture\n\nDocuments are split into chunks, embedded and stored in a vector index; "
        "at question time the top passages are retrieved and passed to the model. "
        "The model weights are not changed.\n"
    )
    result = Linter().lint_one(document_from_text(text))
    assert result.verdict.recommendation.value == "no-fine-tuning"
    assert result.findings == []
    assert any("framing" in r or "retrieval" in r for r in result.verdict.reasons)


def test_trained_on_documents_without_retrieval_counts():
    text = "The assistant is trained on your documents so that it knows your policies by heart."
    result = Linter().lint_one(document_from_text(text))
    assert result.verdict.recommendation.value == "rag"
    assert "PL003" in {f.rule_id for f in result.findings}


def test_rejected_alternatives_section():
    text = (
        "# 2. Our approach\n\nWe build a retrieval assistant over your handbook with a tuned prompt.\n\n"
        "# 5. Alternatives considered\n\nOption C: fine-tune Llama 3 on your policies. "
        "This would take eight weeks and must be repeated whenever a policy changes.\n"
    )
    result = Linter().lint_one(document_from_text(text))
    assert result.verdict.recommendation.value == "no-fine-tuning"
    assert any("rejected alternative" in r for r in result.verdict.reasons)


def test_background_section_is_not_the_plan():
    text = (
        "# Appendix A. What is fine-tuning?\n\nWe fine-tune models for many clients; it teaches a model a format.\n\n"
        "# Plan\n\nWe write a system prompt with twelve worked examples and measure it weekly.\n"
    )
    assert Linter().lint_one(document_from_text(text)).verdict.recommendation.value == "no-fine-tuning"


MORE_PROPOSES = [
    "We fine-tune on your knowledge base articles so the bot answers in your voice.",
    "| Req. | Requirement | Response |\n|---|---|---|\n| R4.2 | The solution should use the client's data | Compliant: we fine-tune Llama 3 on it |",
    "We distil GPT-4o into a smaller model using 20,000 of your past replies.",
]

MORE_DOES_NOT = [
    "| Q | Question | Answer |\n|---|---|---|\n| Q7 | Do you fine-tune models on customer data? | No; answers come from retrieval. |",
    "| Ref | Requirement | C/N | Response |\n|---|---|---|---|\n| T-06 | The model should be fine-tuned on client data. | N | Not proposed - see 3.2. |",
    "Fine-tuning is explicitly excluded from the scope of this engagement.",
    "We continuously fine-tune your knowledge base content and FAQ articles.",
    "Where volumes justify it, a fine-tuned classifier can replace the prompt.",
]


@pytest.mark.parametrize("text", MORE_PROPOSES)
def test_more_counts_as_proposing(linter, text):
    assert _fine_tuning(linter, text).present, text


@pytest.mark.parametrize("text", MORE_DOES_NOT)
def test_more_does_not_count(linter, text):
    result = _fine_tuning(linter, text)
    assert not result.present, [h.text for h in result.counted]


@pytest.mark.parametrize(
    "text,measured",
    [
        ("In our two-day spike, GPT-4o with a written prompt and ten examples got 78% of fields right.", True),
        ("Baseline (few-shot, GPT-4o-mini): macro-F1 0.71 on 300 held-out emails.", True),
        ("We then asked the same 100 questions to GPT-4o with a system prompt. Only 54 of the 100 answers were correct.", True),
        ("We will first measure a few-shot baseline, targeting 80% accuracy.", False),
        ("Prompt engineering alone typically reaches 60-70% on such tasks.", False),
        ("Prompt engineering is included in the price.", False),
    ],
)
def test_prompt_baseline_is_measured(linter, text, measured):
    _, results = linter.analyse(document_from_text(text))
    assert results["prompt_baseline"].present is measured


CREDENTIALS = [
    "# About us\n\nOur team has fine-tuned more than 40 models for banks and insurers.\n\n# Our plan\n\nWe write a system prompt with worked examples.\n",
    "# Approach\n\nOur services include fine-tuning, RAG and agent development; for you we recommend a prompt with retrieval.\n",
    "# Case studies\n\nFor a logistics client we trained LoRA adapters on 30,000 shipment e-mails.\n\n# Proposal\n\nWe will configure retrieval over your manuals.\n",
    "# Team\n\nDr. Lena Ortiz has ten years of experience fine-tuning language models.\n",
]


@pytest.mark.parametrize("text", CREDENTIALS)
def test_vendor_credentials_are_not_the_plan(linter, text):
    result = _fine_tuning(linter, text)
    assert not result.present, [h.text for h in result.counted]


# Written after the fixtures, as a check on phrasing the rules had not seen.
MORE_NEGATIVES = [
 "There will be no fine-tuning, retraining or other modification of model weights.",
 "We have deliberately avoided fine-tuning.",
 "At no point is the model fine-tuned on your data.",
 "None of your data is used to fine-tune or train models.",
 "The proposal does not include any form of model fine-tuning.",
 "Fine-tuning is neither required nor recommended.",
 "We won't be fine-tuning anything.",
 "We evaluated three approaches: prompt-only, RAG, and fine-tuning. We recommend RAG.",
 "| Approach | Cost | Decision |\n|---|---|---|\n| Fine-tuned model | EUR 40k | Not selected |\n| RAG | EUR 18k | Selected |",
 "Requirement 3.4: The supplier shall fine-tune the model on the Authority's data.\n\nOur response: we propose retrieval instead; no model is trained.",
 "The tender asks bidders to fine-tune a language model; we explain below why we do not.",
 "We fine-tune the system prompt and the few-shot examples over the first month.",
 "Our prompt engineers will tune the temperature and the instructions weekly.",
 "Many vendors will offer to fine-tune a model on your data. Be cautious: it is rarely needed.",
 "Fine-tuning would only make sense at much higher volumes, which you do not have.",
 "Unlike competitors, we don't train custom models; we configure best-in-class models.",
 "If, after six months, accuracy is below target, a fine-tuning phase can be quoted.",
 "Our team previously fine-tuned Llama models for two insurers.",
]

MORE_POSITIVES = [
 "Deliverable D3: a LoRA adapter trained on 4,000 of your annotated contracts.",
 "We'll fine-tune GPT-4o mini on your historic chat transcripts in week 3.",
 "The model will be fine-tuned using Azure OpenAI on your labelled emails.",
 "Step 2 - Training: we train the model with your 10 years of claim decisions.",
 "Scope includes supervised fine-tuning of Mistral 7B and deployment on your servers.",
 "The core of our offer is a custom-trained language model for your underwriters.",
]


@pytest.mark.parametrize("text", MORE_NEGATIVES)
def test_more_negatives(linter, text):
    result = _fine_tuning(linter, text)
    assert not result.present, [h.text for h in result.counted]


@pytest.mark.parametrize("text", MORE_POSITIVES)
def test_more_positives(linter, text):
    result = _fine_tuning(linter, text)
    assert result.present, [(h.text, why) for h, why in result.discounted]



BASELINES = [
 (True, "GPT-4o with our best prompt scored 0.74 F1 on your sample of 300 tickets."),
 (True, "A prompt-only version misrouted 23% of tickets in our two-week trial."),
 (True, "Our few-shot prototype is right 4 times out of 5 on your historic invoices."),
 (True, "Prompting alone plateaued at roughly 80% exact match."),
 (True, "| Method | Accuracy |\n|---|---|\n| Zero-shot GPT-4o | 62% |\n| Few-shot GPT-4o | 77% |"),
 (False, "We expect a prompt-only approach to reach around 70%."),
 (False, "A prompt baseline will be measured in week 2 and reported."),
]

EVAL_PLANS = [
 (True, "We reserve 15% of the labelled data as a test set and report precision and recall against the prompt baseline."),
 (True, "Acceptance: on 400 unseen invoices, field accuracy of at least 97%."),
 (True, "Success criteria: the model must classify at least 92% of a 500-ticket blind sample correctly."),
 (False, "We will monitor accuracy in production and pilot users will give feedback."),
 (False, "A QA week with your team concludes the project."),
]


@pytest.mark.parametrize("measured,text", BASELINES)
def test_more_baselines(linter, measured, text):
    _, results = linter.analyse(document_from_text(text))
    assert results["prompt_baseline"].present is measured


@pytest.mark.parametrize("concrete,text", EVAL_PLANS)
def test_eval_plans(linter, concrete, text):
    _, results = linter.analyse(document_from_text(text))
    assert results["eval_plan"].present is concrete


def test_glossary_reads_the_documents_own_definitions(linter):
    from proposal_lint.rules.concepts import glossary

    doc = document_from_text(
        "Each block ends with a Site Functional Test (SFT). The sensors use LoRa (long-range, low-power radio).\n\n"
        "Phase 2 adds LoRA (low-rank adaptation) adapters. We deliver four Custom Models, being custom report "
        "templates for the board.\n\n"
        "| Term | Meaning |\n|---|---|\n| PEFT | Production Environment Fitness Test |\n\n"
        "| Step | Effort |\n|---|---|\n| Fine-tuning | Not proposed at all |\n"
    )
    units, _ = linter.analyse(doc)
    got = glossary(units)
    assert got["sft"] == "Site Functional Test"
    assert got["lora"] == "long-range, low-power radio"  # the first definition wins
    assert got["custom models"] == "custom report templates for the board"
    assert got["peft"] == "Production Environment Fitness Test"
    assert "fine-tuning" not in got  # a plan table is no glossary


OPTIONS_REJECTED = [
    "Option B: fine-tune a model on your manuals.\n\nWe advise against Option B: manuals change monthly.",
    "## Option 2 - Custom model\n\nWe fine-tune Llama 3 on your tickets.\n\n## Advice\n\nOption 2 is not recommended.",
    "- Route C: a LoRA adapter trained on call transcripts. Parked - not part of this offer.",
]

OPTIONS_KEPT = [
    # The option advised against is C, not the fine-tune in B.
    "Option B (recommended): we fine-tune gpt-4o-mini on 6,000 of your invoices.\n\n"
    "We recommend Option B and advise against Option C, a model trained from scratch.",
    # "a lot of" is no option.
    "A lot of tickets are routed by hand. We fine-tune the model on 9,000 of them.\n\n"
    "We would not recommend a lot of manual labelling.",
    # A verdict word that does not stand on its own is no verdict.
    "We fine-tune a LoRA adapter on 8,000 tickets. Excluded: GPU hosting, paid by you.",
    "We fine-tune a LoRA adapter on 8,000 tickets. Rejected tickets go back to the queue.",
]


@pytest.mark.parametrize("text", OPTIONS_REJECTED)
def test_option_advised_against_is_rejected(linter, text):
    result = _fine_tuning(linter, text)
    assert not result.present, [h.text for h in result.counted]
    assert any(reason == "rejected" for _, reason in result.discounted)


@pytest.mark.parametrize("text", OPTIONS_KEPT)
def test_other_options_still_count(linter, text):
    assert _fine_tuning(linter, text).present, text
