//! Classic baselines trained on the train split: hourly marginal, Markov chain, per-hour multinomial logit, nearest neighbour.
