"""Guides for citizens: where each person is, which guide a question leads to, step pictures.

- `progress`: a person's progress through guides, their feedback, one-time notices.
- `matching`: a free-text question → a guide (or none when it is out of scope); numpy and the
  BM25 index, so the app builds it on the first question (bot/app.py).
- `language`: the matcher's words (language.toml), read without numpy.
- `pictures`: one PNG per guide, its steps as a numbered flow, cached on disk.
- `chat_words`: greetings, thanks and a guide's buttons typed as words.
- `desk`: the help desk's places, weekly hours and who is on duty today.
"""
