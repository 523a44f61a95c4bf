"""Words that the paper form and the web form share, marked for the catalogues.

Translate with `forms.i18n.text(lang, WORD, **values)` or `translations(lang).gettext(WORD)`.
`{question}` is a question number as the instrument gives it (`Q12`), `{answer}` a quoted
answer label, `{condition}` a routing condition from `forms.describe`.
"""

from __future__ import annotations

from forms.i18n import N_

TICK_ONE = N_("Please tick one box")
TICK_ALL = N_("Please tick all that apply")
TICK_ONE_PER_ROW = N_("Please tick one box on each row")
WRITE_IN = N_("Please write your answer in the box")
WRITE_NUMBER = N_("Please write a number in the boxes")
GO_TO = N_("Go to {question}")
ANSWER_IF = N_("Answer this if {condition}")
ANSWER_IF_ANSWERED = N_("Answer this if you answered {answer} to {question}")
ANSWER_IF_TICKED = N_("Answer this if you ticked {answer} at {question}")
SECTION_IF = N_("Answer this section if {condition}")
PAGE_OF = N_("Page {page} of {pages}")
TURN_OVER = N_("Please turn over")
DAY = N_("Day")
MONTH = N_("Month")
YEAR = N_("Year")
HOW_TO_ANSWER = N_("How to answer")
HOW_TO_TICK = N_("Tick the box next to your answer, like this:")
HOW_TO_CORRECT = N_("If you make a mistake, fill in the box and tick the right one, like this:")
OR = N_("or")
NOT_ANSWERED = N_("Not answered")
NEED_HELP = N_("If you need help now")
THANK_YOU = N_("Thank you")
STUDY_CONTACT = N_("Questions about the study: {contact}")
# The consent page's button for not taking part; letters quote it by the same words.
DECLINE = N_("I do not want to take part")
