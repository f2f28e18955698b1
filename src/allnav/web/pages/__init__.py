"""The patient and family pages: the form, results, topics, glossary, summary and PDF."""
