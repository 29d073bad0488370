"""English: what the node says to residents, and the reference every other language follows.

Plain data, read by meshaid.node.phone.messages: ``MESSAGES`` maps a message key to a
``str.format`` template with named placeholders, or to a tuple of templates for an answer
sent as several texts. meshaid.node.phone.replies puts these together with the resident's
own words and adds the layout (spaces and newlines between parts, counts, page numbers,
the code and kind letter of a list line), so no template begins or ends with a space.

Placeholders: ``{code}`` an entry code (at most 8 bytes), ``{kind}``, ``{status}`` and
``{category}`` the words below, ``{radio}`` a radio id as ``!a1b2c3d4``, ``{title}`` a
list's title, ``{words}`` a resident's search (at most 40 bytes), ``{age}`` as ``5m``,
``3h`` or ``2d``, ``{over}`` how many letters a post has too many, ``{limit}`` the most it
may have, ``{zone}`` a zone name (at most 40 bytes), ``{when}`` a day and time as
"when" below renders it, ``{date}`` a date as "when.date" renders it, ``{said}`` and
``{day}`` weekdays as "when.day.*", ``{days}`` a number of days.
"""

MESSAGES: dict[str, str | tuple[str, ...]] = {
    # -- words: an entry's kind, its category and its status ----------------------------
    "kind.offer": "offer",
    "kind.need": "need",
    "kind.trade": "trade",
    "kind.alert": "alert",
    "category.food": "food",
    "category.water": "water",
    "category.medicine": "medicine",
    "category.health": "health",
    "category.shelter": "shelter",
    "category.clothing": "clothing",
    "category.childcare": "childcare",
    "category.transport": "transport",
    "category.repair": "repair",
    "category.energy": "energy",
    "category.skills": "skills",
    "category.legal": "legal",
    "category.safety": "safety",
    "category.other": "other",
    "status.open": "open",
    "status.matched": "matched",
    "status.fulfilled": "done",
    "status.withdrawn": "withdrawn",
    # -- posting ------------------------------------------------------------------------
    # The acknowledgement: "posted", then the resident's text, then how to close that kind.
    "posted": "Posted {kind} {code}:",
    "posted.close.offer": "Reply 'done {code}' when it's gone, 'cancel {code}' to take it down.",
    "posted.close.need": "Reply 'done {code}' when met, 'cancel {code}' to take it down.",
    "posted.close.trade": "Reply 'cancel {code}' to take it down.",
    "posted.close.alert": "Reply 'cancel {code}' to take it down.",
    # A trade with the day and time read from its text, shown as "when" below.
    "posted.when": "Posted {kind} {code} for {when}:",
    "when": "{day} {month}/{dom} {time}",
    "when.date": "{month}/{dom}",
    "when.day.mon": "Mon",
    "when.day.tue": "Tue",
    "when.day.wed": "Wed",
    "when.day.thu": "Thu",
    "when.day.fri": "Fri",
    "when.day.sat": "Sat",
    "when.day.sun": "Sun",
    "post_needs_text": "Say what: 'offer 2 bags rice' or 'need ride to clinic tue'.",
    "not_allowed": (
        "This radio can't post here yet. Ask the committee to add {radio}. "
        "You can still read: 'list', 'search tarp'."
    ),
    "too_long": (
        "Your post is about {over} letters too long ({limit} at most). Please shorten it."
    ),
    # A trade whose day cannot be right: asked about, never guessed. The resident answers
    # with a day and time, or yes to post it without one.
    "when.past": (
        "{when} has passed. Reply with the day and time (e.g. 'sat 2pm'), "
        "or 'yes' to post it without one."
    ),
    "when.far": (
        "{when} is over {days} days away. Reply with the day and time (e.g. 'sat 2pm'), "
        "or 'yes' to post it without one."
    ),
    "when.weekday": (
        "{date} is a {day}, not a {said}. Reply with the day and time (e.g. 'sat 2pm'), "
        "or 'yes' to post it without one."
    ),
    # -- asking before acting on a guess ------------------------------------------------
    # The node was not sure what the resident meant: it asks before posting, closing or
    # taking down. {as_kind} is one of the four below, {text} the start of the post.
    "confirm.kind.offer": "an offer",
    "confirm.kind.need": "a need",
    "confirm.kind.trade": "a trade",
    "confirm.kind.alert": "an alert",
    "confirm.post": (
        "Post it as {as_kind}? \"{text}\" Reply 'yes' to post, 'no' to drop it, "
        "or say offer, need, trade or alert."
    ),
    "confirm.close": "Close {code} \"{text}\" as done? Reply 'yes' or 'no'.",
    "confirm.withdraw": "Take {code} \"{text}\" off the board? Reply 'yes' or 'no'.",
    # Closing without a code when the resident has several open posts: which one? The
    # title of the list of them.
    "confirm.which.close": "Which one? Send 'done' and its code. Your posts",
    "confirm.which.withdraw": "Which one? Send 'cancel' and its code. Your posts",
    "confirm.dropped": "OK, nothing posted.",
    "confirm.kept": "OK, {code} stays on the board.",
    "confirm.nothing": (
        "Nothing is waiting for a yes. To answer a neighbour: 'R CODE your message'."
    ),
    # -- closing ------------------------------------------------------------------------
    "closed.fulfilled": "Closed {code} as done. Thanks for letting neighbours know!",
    "closed.withdrawn": "Took {code} down from the board.",
    "no_open_post": "You have no open post. Send 'my posts' to see yours.",
    "not_owner": "{code} is not your post. To message its poster: 'R {code} your message'",
    "already_closed": "{code} is already {status}.",
    # -- codes --------------------------------------------------------------------------
    "unknown_code": "No entry {code} on this board. Check the code, or send 'list'.",
    "ambiguous_code": "Several entries start with {code}. Send the whole code.",
    "expired": "{code} has expired and left the board. Send 'list' for what's open.",
    # -- answering a post ---------------------------------------------------------------
    "reply_needs_code": "Put the post's code first: 'R 4F2K on my way'",
    "reply_needs_text": "Put your message after the code: 'R {code} on my way'",
    "reply_forwarded": (
        "Sent to the poster of {code}. They will see your message, not your radio id."
    ),
    # What the poster receives: this, a neighbour's words, then how to answer them.
    "forward": "Re {code}:",
    "forward.answer": "answer with 'R {code} <text>'",
    "answer_sent": (
        "Sent to the neighbour who wrote about {code}. They won't see your radio id."
    ),
    "no_one_answered": (
        "No recent message about {code} to answer. When a neighbour writes, you'll get it here."
    ),
    "poster_elsewhere": (
        "{code} was posted at another node; messages between nodes are not possible yet. "
        "Look for the poster in its zone."
    ),
    "poster_unreachable": (
        "{code} was posted by the node's committee, not from a radio; it can't get messages."
    ),
    # -- reading the board --------------------------------------------------------------
    # A list's title: the sender's posts, one kind (plural), or the whole board.
    "list.title.mine": "Your posts",
    "list.title.offer": "Offers",
    "list.title.need": "Needs",
    "list.title.trade": "Trades",
    "list.title.alert": "Alerts",
    "list.title.board": "Board",
    # The kind of each entry on a list line, before its text: "4F2K need: water for 3".
    "line.offer": "offer",
    "line.need": "need",
    "line.trade": "trade",
    "line.alert": "ALERT",
    "list.empty": "{title}: nothing right now. Post one with 'need ...' or 'offer ...'.",
    # The last line of a page with more to come, and of the last page.
    "list.more": "'more' for next",
    "list.end": "Send a code for details.",
    "search.none": "Nothing for '{words}' yet. To ask for it: 'need {words}'",
    # A question that could also be a post: the search, and the offer to post it.
    "search.none.post": "Nothing for '{words}' yet. Reply 'yes' to post your message as a need.",
    "list.end.post": "Not it? 'yes' posts yours as a need.",
    # One entry in full: how old it is, how to ask for the rest, how to answer it.
    "show.age": "{age} ago",
    "show.more": "…'more'",
    "show.answer": "Answer: 'R {code} your message'",
    "show.zone": "Where: {zone}",
    "show.when": "When: {when}",
    "show.until": "Listed until {when}",
    "no_more": "No more pages. Send 'list' to start again.",
    # -- help and trouble ---------------------------------------------------------------
    "help": (
        "Post: 'need ride to clinic tue', 'offer 2 bags rice', 'alert: tree down on Oak'. "
        "Read: 'list', 'list food', 'search tarp'. Each post has a code like 4F2K: send it "
        "to see it. 'more' for more",
        "Answer a post: 'R 4F2K on my way'. Yours met: 'done 4F2K'; take it down: "
        "'cancel 4F2K'. Trade: 'trade: seed swap sat 12/12 10am'. Español: 'ayuda'",
    ),
    "unknown_input": (
        "Didn't get that. Try 'need ride to clinic tue', 'offer 2 bags rice', 'list' or 'help'. "
        "Danger? 'alert: tree down on Oak'"
    ),
    # For a message in no language the node reads: this, then the same in every other
    # language, as they fit in one text.
    "unknown_short": "Didn't get that. Try 'need ride to clinic', 'offer rice', 'list', 'help'.",
    "try_again": "The node is busy and couldn't do that. Please try again in a minute.",
    # -- who may act, and how much (meshaid.node.desk.identity, .outbox) ---------------
    "not_verified": (
        "This message from {radio} came without the key the committee has for it, so it "
        "can't post or close. Both radios need Meshtastic 2.5+. You can still 'list'."
    ),
    "key_not_pinned": (
        "The committee hasn't registered the key of {radio} yet, so it can't post or "
        "close. Ask them to add it. You can still read: 'list', 'search tarp'."
    ),
    "slow_down": "Too many messages from this radio. Please wait a minute before sending more.",
    "too_many_posts": (
        "This radio has posted as much as one radio may for now ({limit} posts an hour). "
        "Please post again later, or ask the committee."
    ),
    "reply_which": (
        "Several neighbours wrote about this post. Answer one with the code in their "
        "message, like 'R {code} on my way'."
    ),
}
