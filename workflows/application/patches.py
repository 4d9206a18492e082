"""The case workflow's patches (`workflow.patched`), oldest first; docs/VERSIONING.md tells each.

A patch id is asked where the changed code runs; the case-wide ones once, at the case's start, in
this order (their markers are commands: the order is part of every recorded history). The code
that runs where a patch answers False lives in `before_patches.py`, to delete with the patch.
"""

CLOSE_AFTER_HANDLERS = "close-after-handlers"
# A final action's measures (penalty, referral) are on record before the close (call site).
ESCALATION_FOLLOWS = "escalation-follows-new-deadline"
# An escalation belongs to its deadline: a later, recomputed deadline lifts it (call site).
LEAN = "lean-life"
# Cases opened from here on read and project through local activities (a marker each, inside
# the workflow task, instead of a round trip through the task queue) and answer every Update
# with its full effect: due dates computed, the closing recorded, the current credit grade.
# Cases opened before keep the old path to the end of their life.
#
# A workflow task can run and then be thrown away (two Updates racing on one case: the server
# refuses the task's completion and a new attempt may accept the other Update). A local
# activity has then already run, on state that never happened. So local activities only read,
# or write what the next attempt overwrites (the projection rewrites the whole row and the
# timeline from its own count on); a credit record, which nobody may ever see unless it is
# true, is written by a regular activity, scheduled only once the task that decided it is
# committed.
LEGAL = "organ-decisions"
# Cases opened from here on follow the seed where its consequences bite (issue 15): revocation
# is proposed, the applicant may state their case, the supervisor decides; daily supervision may
# verify any committed matter in its own window; penalty and referral stand alone and may follow
# 终止办理 or revocation in a follow-up period; honest closing; deadlines before the decision;
# credit records when the finding is final; paper commitments at the counter.
SEARCHABLE = "search-attributes"
# Cases opened from here on keep their search attributes current (workflows/search.py) and
# tell the Web UI their status in Chinese (current details).
CONTINUABLE = "continue-as-new"
# Cases opened from here on continue as new, with their whole state, when their history grows
# long (Temporal ends a workflow whose history passes 51,200 events or 50 MB).
GRADED = "graded-measures"
# Cases opened from here on take their measures from the credit office's rules (issue 18): the
# grade at opening and at approval named with the rule version, the chance of verification by
# grade and by the matter's risk level, the verification method.
TERMINATES = "organ-terminates"
# Cases opened from here on (issue 29, points 1 and 5): a verifier's untrue finding of 事中核查
# awaits the organ's 终止办理 decision (caseworker or supervisor, with a number and a ground from
# the procedure's list, each with its basis) instead of ending the case in the verifier's name;
# the credit record comes with that decision; a case with no commitment closes at its approval.
MEASURES = "measures-keep-rights"
# Cases opened from here on (issue 29, points 2 and 4): no revocation proposed on a matter whose
# rectification period runs; a hearing does not stop rectifying another matter; a second
# proposal joins the open hearing (every statement kept); "not revoked" gives a matter back its
# running rectification period; a penalty alone keeps the decision only on a recorded ground
# (行政许可法 第六十九条第三款), a referral alone closes nothing, and a fine waits for the judiciary.
SERVED = "notices-served"
# Cases opened from here on (issue 29, point 3): every decision, proposal, order and 事中 finding
# is a notice served on the applicant (in person, by post, electronically at the first opening,
# or deemed served by the procedure's rule); the statement period and a rectification period
# run from service; a 终止办理 on a finding waits until the finding is served; a case closes only
# once its notices are served.
