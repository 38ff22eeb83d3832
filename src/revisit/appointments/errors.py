"""The one error the desk's services raise: its message is for the person at the desk."""


class DeskError(ValueError):
    """A refused desk action; str(error) is a sentence in the user's language."""
