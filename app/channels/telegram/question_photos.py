"""A photo per checklist question in Telegram: kept by its file id in the conversation until
the checklist is sent (then stored through the intake's photos, app.channels.telegram.runtime).
"""

from __future__ import annotations

from app.channels.telegram import conversation as conv
from app.channels.telegram import questions, store
from app.channels.telegram.store import Conversation
from app.channels.telegram.texts import _
from app.channels.telegram.updates import Message
from app.platform.languages import Lang


def on_photo(
    turn: conv.Turn, conversation: Conversation | None, lang: Lang, message: Message
) -> None:
    """A photo sent while a question is shown: kept (its file id) for that question."""
    chat_id = message.chat.id
    if conversation is None or conversation.step != conv.QUESTION:
        turn.out.say(
            chat_id, _("A photo goes with a question: send it while the question is shown.")
        )
        return
    loaded = conv.loaded_checklist(turn, conversation)
    items = questions.resident_items(loaded)
    if conversation.position >= len(items):
        turn.out.say(chat_id, _("A photo goes with a question: go back to it first."))
        return
    photos = dict(conversation.data.get("photos", {}))
    item = items[conversation.position][1]
    if item.id not in photos and len(photos) >= turn.app.settings.photo_max_per_submission:
        turn.out.say(chat_id, _("No more photos can be added to this checklist."))
        return
    assert message.photo
    # The largest size Telegram made; only its file id is kept until the checklist is sent.
    photos[item.id] = message.photo[-1].file_id
    conversation.data = {**conversation.data, "photos": photos}
    store.touch(conversation, settings=turn.app.settings, now=turn.now)
    turn.out.say(
        chat_id,
        _(
            "📷 Photo kept for question %(number)s. It is saved with the checklist when you "
            "send it.",
            number=conversation.position + 1,
        ),
    )
