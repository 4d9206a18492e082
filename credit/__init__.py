"""Credit supervision (信用监管): identity formats, the grading rules as versioned data, grading."""
