"""Classifier labels in plain words. No Django.

ImageNet's labels are lists of synonyms ("tabby, tabby cat"), sometimes with an underscore
or in capitals; people read the first name, in lower case, without the score.
"""


def plain_label(label: str) -> str:
    first = (label or "").split(",")[0].replace("_", " ").strip()
    # Proper nouns in the labels ("Windsor tie", "German shepherd") keep their capital.
    return " ".join(first.split())
