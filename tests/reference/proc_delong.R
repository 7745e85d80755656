# DeLong's test of two correlated ROC AUCs with pROC, on the CSV given as the first argument
# (columns y, live, shadow). Prints: auc_live auc_shadow z p ci_low ci_high (shadow - live).
suppressMessages(library(pROC))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
live <- roc(d$y, d$live, levels = c(0, 1), direction = "<", quiet = TRUE)
shadow <- roc(d$y, d$shadow, levels = c(0, 1), direction = "<", quiet = TRUE)
t <- roc.test(shadow, live, method = "delong", paired = TRUE)
cat(sprintf("%.15g", c(auc(live), auc(shadow), t$statistic, t$p.value, t$conf.int[1], t$conf.int[2])))
cat("\n")
