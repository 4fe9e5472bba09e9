"""Tools and test equipment (R5.5–R5.7): registered assets held by technicians, handed over
with both people confirming, lost or damaged with a compensation decision, bought after finance
approves."""
