"""The one error a service raises for an action it cannot do."""


class ServiceError(Exception):
    """An action that cannot be done; the message is shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
