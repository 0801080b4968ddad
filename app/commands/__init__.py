"""Business operations. Each validates first and writes nothing on error; none
commits: the caller (a view, the API or a CLI command) owns the transaction."""


class DomainError(Exception):
    """A rule was broken. The message is Thai and is shown to the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
