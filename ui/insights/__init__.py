"""The Insights page's views: the source and its preparation, one view per analysis
(:data:`emotion.insights.analyses.ANALYSES`), the rows with their filters, and the report."""
