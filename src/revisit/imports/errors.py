"""Why a file cannot be imported; the message is for the user, in their language."""


class ImportFileError(Exception):
    """A file that cannot be imported as given (unreadable, or a required column missing)."""


class FileRefused(ImportFileError):
    """The file itself is unusable (broken, or beyond a limit): nothing of it is kept."""
