"""The SurveyQA web UI (Gradio); entry points in :mod:`ui.app`."""
