"""The ``surveyqa`` command line."""
