"""Wall posters of the guides and the desk card, as print-ready PDFs with QR codes to the bot.

- `links`: what each QR code opens on each channel (Telegram start links; Zalo's chat link
  plus the words to type), from the configured usernames and links.
- `desk`: the help-desk places and their weekly hours, from locations and shift templates.
- `sheet`: drawing on a page with fpdf2 (DejaVu fonts, wrapped text) and segno (QR codes).
- `guide_page`: one guide on one page, its type scaled to the paper (A4 to A0).
- `card`: the A5 desk card with the "ask the bot" and survey codes.
- `build`: the PDFs from the database: what the command line and the chat call.
"""
