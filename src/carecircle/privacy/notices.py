"""Notices the law requires to travel with disclosed information, in one place.

42 CFR 2.32 requires each disclosure of substance-use treatment records made with the patient's
consent to carry this notice. The web page shows it from ``clients/_part2_notice.html`` (the
same words, so one translation serves both); the JSON API sends :data:`PART2_REDISCLOSURE_NOTICE`
with every response that includes such information for someone outside the record's holder.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PART2_REDISCLOSURE_TITLE = _("Notice: 42 CFR Part 2 — redisclosure prohibited")

# The text of 42 CFR 2.32(a)(1), word for word as in the template (the same msgid).
PART2_REDISCLOSURE_NOTICE = _(
    "This record which has been disclosed to you is protected by federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or "
    "testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, except "
    "as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR "
    "2.64 or 2.65. In addition, the Federal rules prohibit you from making any further "
    "disclosure of information in this record unless such further disclosure is expressly "
    "permitted by the written consent of the patient whose information is being disclosed in "
    "this record or as otherwise permitted by 42 CFR part 2. A general authorization for the "
    "release of medical or other information is NOT sufficient for this purpose (see 42 CFR "
    "2.31). The Federal rules restrict any use of the information to investigate or prosecute "
    "with regard to a crime any patient with a substance use disorder, except as provided at "
    "42 CFR 2.12(c)(5) and 2.65."
)
