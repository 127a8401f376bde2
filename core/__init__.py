"""The base layer: settings, engines, the index manifest and the name matcher; imports nothing else of SurveyQA."""
