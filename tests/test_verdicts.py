"""Verdicts on short, whole proposals written for these tests (not fixture wording):
justified fine-tunes stay clean, traps stay no-fine-tuning, knowledge fine-tunes get rag."""

from __future__ import annotations

import pytest

from proposal_lint.lint import Linter, document_from_text

PASSAGES = [
 ("fine-tune-justified", """# Approach
We will fine-tune gpt-4o-mini to classify inbound claims emails into your 31 claim types. You receive roughly 25,000 such emails per month and have 9,400 emails already labelled by your triage team.

# Why not just a prompt
Over two weeks we iterated a few-shot prompt (12 examples, GPT-4o). On 800 emails your team had labelled, it reached a macro-F1 of 0.78; the confusion is concentrated in 6 similar claim types.

# Acceptance
We hold out 1,000 labelled emails that are never used for training. The fine-tuned model is accepted only if it reaches macro-F1 of 0.90 or better on that hold-out set, and at least 8 points above the few-shot prompt on the same emails.

# Maintenance
When OpenAI retires the base model snapshot we re-train and re-run the acceptance test; this is priced at EUR 3,500 per event.
"""),
 ("fine-tune-justified", """Summary: LoRA fine-tune of Llama 3.1 8B for extracting 18 fields from customs declarations (60k/month).
Baseline: zero-shot GPT-4o got 71% field accuracy and few-shot 83% on a 500-document sample drawn from your 2024 archive.
Evaluation: a golden set of 600 declarations, double-keyed by your brokers, kept out of training. Target: >= 95% field accuracy, compared against the few-shot baseline.
Data: your team exports 12,000 declarations with their keyed values; we de-duplicate and check them.
Upkeep: re-training and re-evaluation on each base model upgrade, EUR 5,000 each."""),
 ("prompt", """We will fine-tune GPT-4o on your 2,000 past tenders so that it drafts new tender answers in your style. Quality will be reviewed by your bid team during a pilot."""),
 ("no-fine-tuning", """Q4. Do you intend to fine-tune a model with client data?
A4. No. The solution uses retrieval over your documents; the model is used as provided by Azure OpenAI."""),
 ("no-fine-tuning", """Why we are not proposing fine-tuning: your policies change monthly, and a fine-tuned model would have to be retrained every time. Retrieval keeps answers current and cited."""),
 ("no-fine-tuning", """The vendor landscape is full of offers to "train your own AI". We think that is the wrong first step for you. Our plan starts with a prompt and a small evaluation set."""),
 ("no-fine-tuning", """Phase 1: prompt design and evaluation. Phase 2 (optional, not priced): fine-tuning, only if Phase 1 falls short of the agreed accuracy."""),
 ("rag", """Our proposal: we fine-tune Mistral on your complete policy library, so your advisers can ask it anything about cover, exclusions and claims procedures, and it always answers in line with current policy."""),
 ("no-fine-tuning", """We tune the assistant to your needs: we adjust the system prompt, tune retrieval (chunk size 400, top-k 8) and fine-tune the escalation rules with your team leads."""),
 ("no-fine-tuning", """Training: we provide three training sessions for your staff. The assistant itself is not trained on your data; it retrieves passages at question time."""),
]

SHORT = [
 ("rag", "We will fine-tune Llama 3 so the model can respond to customer enquiries about our warranty terms and return policy."),
 ("rag", "Employees can chat with the fine-tuned assistant to get answers on HR policy, leave and travel rules."),
 ("rag", "We fine-tune the model on your SharePoint content so the bot becomes an expert on your procedures."),
 ("rag", "A custom LLM trained on your product documentation will provide instant answers to your support team."),
 ("prompt", "We will fine-tune GPT-4o-mini to generate product descriptions in your brand voice for 20,000 SKUs a year."),
 ("prompt", "Using LoRA we adapt Mistral to extract invoice fields into your ERP's JSON schema."),
 ("no-fine-tuning", "We propose Azure OpenAI with retrieval over your SharePoint. We do not fine-tune; answers cite the source page."),
 ("no-fine-tuning", "Fine-tuning? Not needed here. A well-designed prompt with twelve examples reached 91% in our test."),
 ("no-fine-tuning", "Note: model fine-tuning is excluded from this quotation and would be quoted separately on request."),
 ("no-fine-tuning", "In a later phase, and only if the prompt approach plateaus, LoRA fine-tuning may be evaluated."),
 ("no-fine-tuning", "Our data scientists will fine-tune the relevance ranking of search results each sprint."),
 ("no-fine-tuning", "The platform lets you fine-tune tone, length and formality through simple sliders."),
 ("no-fine-tuning", "We'll train your support agents on prompt writing in two workshops."),
 ("prompt", "Our approach: supervised fine-tuning (SFT) of an open-source model on your 3,000 past tender responses to draft new tender answers."),
 ("rag", "The solution is a bespoke language model trained on all your internal knowledge, so it always knows the latest procedures."),
]


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter()


@pytest.mark.parametrize("expected,text", PASSAGES + SHORT, ids=lambda v: v[:40] if isinstance(v, str) else v)
def test_verdict(linter, expected, text):
    result = linter.lint_one(document_from_text(text))
    core = sorted(f.rule_id for f in result.findings if f.rule_id in ("PL001", "PL002", "PL003"))
    assert result.verdict.recommendation.value == expected, (core, result.verdict.reasons)
    if expected in ("no-fine-tuning", "fine-tune-justified"):
        assert core == []
