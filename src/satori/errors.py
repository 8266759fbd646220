"""The one exception type that means "the user gave us something wrong"."""


class InputError(ValueError):
    """A problem with a user's input: a file, a flag, a combination of settings.

    The message is one plain sentence naming the file or flag and the problem.
    Command-line tools print it as ``satori-<tool>: error: <message>`` and exit 2,
    without a traceback and without leaving partial outputs.
    """
