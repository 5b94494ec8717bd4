"""What a tokenizer makes of a prompt: the pieces that carry no word its text encoder knows.

A text encoder reads a prompt as pieces of its vocabulary. Text in a language its training
text lacked reaches it in pieces that carry none of the words' meaning, in two ways:
- the unknown token ([UNK] in WordPiece): one and the same vector for every word it has no
  pieces for (the embedded model's BERT tokenizer, for much Japanese);
- fragments of characters: the BERT tokenizer, uncased, splits a Hangul syllable into its jamo
  (도 -> ᄃ ##ᅩ), CLIP's byte-level BPE into its UTF-8 bytes (three pieces a syllable, four
  an emoji), unless a merge happens to cover the whole character.
Both show in the tokenizer's offsets: every fragment of a character has that character's span,
so a piece counts as unread when it is the unknown token or its span overlaps a neighbour's.
Nothing here translates: the student sees what the model reads, and decides.
"""
from __future__ import annotations

# The note shows when more than a quarter of the prompt's characters (spaces not counted) reach
# the encoder unread. Characters, not pieces: a Hangul syllable costs CLIP three pieces and an
# [UNK] stands for a whole word, so a share of pieces would weigh the same text differently per
# tokenizer. A quarter leaves an English prompt with an emoji or a foreign name alone ("a cat
# 🐱": 1 of 5 characters) and catches a prompt written mostly in another language (the Korean
# fox prompt "도서관에서 책을 읽는 여우, 수채화": 14 of its 15, on the BERT and the CLIP tokenizers).
UNREAD_SHARE = 0.25


def unread_pieces(tokenizer, text: str) -> dict:
    """{"unknown", "unknown_chars", "chars", "unreadable"}: how many of the prompt's pieces are
    the unknown token or fragments of a character, how many of its characters (spaces not
    counted) they cover, and whether that is more than UNREAD_SHARE of them (the note's cue)."""
    text = str(text or "")
    if not getattr(tokenizer, "is_fast", False):  # no offsets: only the unknown token shows
        ids = tokenizer(text, add_special_tokens=False, truncation=False, verbose=False).input_ids
        unknown = sum(i == tokenizer.unk_token_id for i in ids)
        return {"unknown": unknown, "unknown_chars": 0, "chars": len("".join(text.split())), "unreadable": False}
    enc = tokenizer(text, add_special_tokens=False, truncation=False, verbose=False, return_offsets_mapping=True)
    spans = [tuple(span) for span in enc.offset_mapping]

    def overlaps(i: int, j: int) -> bool:  # fragments of one character are neighbours (offsets ascend)
        return 0 <= j < len(spans) and spans[i][0] < spans[j][1] and spans[j][0] < spans[i][1]

    unread = [i for i, piece in enumerate(enc.input_ids)
              if piece == tokenizer.unk_token_id or overlaps(i, i - 1) or overlaps(i, i + 1)]
    chars = {c for start, end in spans for c in range(start, end)}
    unknown_chars = {c for i in unread for c in range(*spans[i])}
    return {"unknown": len(unread), "unknown_chars": len(unknown_chars), "chars": len(chars),
            "unreadable": len(unknown_chars) > UNREAD_SHARE * len(chars)}
