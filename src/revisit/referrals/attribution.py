"""Whose performance a referred customer is, decided once when she arrives.

The rules, in the order they are tried (the first that matches decides):

1. **First registration wins.** If another channel (search, e-commerce, social, phone,
   mini-program…) registered her before the lead was registered, she stays that channel's:
   - `case_4` when the referrer brought her in person;
   - `case_5` when she had never arrived and customer service registered the lead;
   - `first_registration` otherwise.
2. `case_2`: she asked for a consultant by name: a walk-in.
3. `referral`: the lead was registered at least `registration_cutoff_days` (one by
   default) before the day she arrived. Primary channel when customer service registered
   it; when it came through another channel, that channel's performance (secondary).
4. `case_3`: she came in a group with old customers, without such a registration: a walk-in.
5. `case_1`: the referrer did not come and she only says she was recommended (no
   registration in time): a walk-in.
6. `day_before`: the referrer brought her but nobody registered her in time: a walk-in.

Whatever the attribution, both customers still get the referral benefits: attribution
decides whose performance it is, not what the customers receive.
"""

from dataclasses import asdict, dataclass
from datetime import date

from revisit.customers.models import Channel
from revisit.referrals.models import Attribution, Level, Rule


@dataclass(frozen=True)
class ArrivalFacts:
    """What the desk records when a referred person arrives."""

    referrer_came: bool = False
    asked_consultant_by_name: bool = False
    came_in_group: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    attribution: str  # "referral", "walk_in" or a channel code
    rule: str
    level: str = ""


def decide(
    facts: ArrivalFacts,
    *,
    registered_on: date,
    arrived_on: date,
    cutoff_days: int,
    via_channel: str = "",
    prior_channel: str = "",
    prior_arrived: bool = False,
) -> Decision:
    """The attribution of one arrival (see the module's rules). Dates are local dates in
    the organization's time zone; `prior_channel` is the channel of a card made before
    the lead was registered ("" when there was none)."""
    if prior_channel and prior_channel not in (Channel.REFERRAL, Channel.WALK_IN):
        if facts.referrer_came:
            rule = Rule.CASE_4
        elif not prior_arrived and not via_channel:
            rule = Rule.CASE_5
        else:
            rule = Rule.FIRST_REGISTRATION
        return Decision(prior_channel, rule)
    if facts.asked_consultant_by_name:
        return Decision(Attribution.WALK_IN, Rule.CASE_2)
    if (arrived_on - registered_on).days >= cutoff_days:
        if via_channel and via_channel != Channel.REFERRAL:
            return Decision(via_channel, Rule.REFERRAL, Level.SECONDARY)
        return Decision(Attribution.REFERRAL, Rule.REFERRAL, Level.PRIMARY)
    if facts.came_in_group:
        return Decision(Attribution.WALK_IN, Rule.CASE_3)
    if not facts.referrer_came:
        return Decision(Attribution.WALK_IN, Rule.CASE_1)
    return Decision(Attribution.WALK_IN, Rule.DAY_BEFORE)
