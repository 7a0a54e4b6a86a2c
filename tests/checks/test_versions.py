"""A change to the rule declarations must come with a new checker version, so stored results of
different rules are never compared as if they were the same."""

from __future__ import annotations

from guideaudit.checks import CHECKER_VERSION, check_run, rules_digest

# checker version → digest of the declarations released under it. When this test fails: bump
# CHECKER_VERSION (checks/versions.py) and add the new pair; never edit an old one.
RELEASED = {
    "2.0.0": "1c73348ec11c93e2fa3e47fc3e2a338b40fe8c33d5b2f7114e7371572072ade9",
    # X-1 reads the promise's unit (a bare "1" may have read 即办)
    "2.1.0": "3ab7a129a2abafd790c54e0176e96f48fbe4d636d6d4ce78baa261e9534282ad",
    # E2-2 份数 stated in the material's name ("身份证复印件一份") is not missing: count-missing reads the name
    "2.2.0": "d6ce61fbf6f9c2adf5704c8e3c53a584ce7d347b60c08b9aaf3e997db7e7dec4",
}


def test_rule_declarations_match_their_checker_version() -> None:
    digest = rules_digest()
    assert CHECKER_VERSION in RELEASED, f"新的检查程序版本 {CHECKER_VERSION}：在 RELEASED 中加入 {digest}"
    assert RELEASED[CHECKER_VERSION] == digest, (
        f"规则声明已改变（摘要 {digest}），但检查程序版本仍为 {CHECKER_VERSION}：请提高 CHECKER_VERSION"
    )


def test_check_run_names_version_digest_settings_and_captures() -> None:
    run = check_run(captures={"guangdong": ["steps.handler"]})
    assert run["checker_version"] == CHECKER_VERSION and run["rules_digest"] == rules_digest()
    assert run["settings"]["workday_ratio"] > 0 and run["captures"] == {"guangdong": ["steps.handler"]}
