# bench/aggregate.R: R actuar's simulation method for bench/run-aggregate (bench/aggregate.md).
#
# The same model, N ~ Poisson(3) and X ~ lognormal(10, 1.5), through
# aggregateDist(method = "simulation"), which draws the years with actuar's rcompound. It is slow,
# so the sample is small (1e5 years by default). Prints "actuar_ns <CPU ns per simulated year>"
# (best of the runs, user + system time of this process) and "actuar_var995 <VaR 0.995>".
# Usage: Rscript aggregate.R [SIMS] [REPS]
suppressPackageStartupMessages(library(actuar))
args <- commandArgs(trailingOnly = TRUE)
sims <- if (length(args) >= 1) as.numeric(args[1]) else 1e5
reps <- if (length(args) >= 2) as.integer(args[2]) else 2
set.seed(1)
best <- Inf
fit <- NULL
for (r in seq_len(reps)) {
    t <- system.time(fit <- aggregateDist("simulation", nb.simul = sims,
                                          model.freq = expression(y = rpois(3)),
                                          model.sev = expression(y = rlnorm(10, 1.5))))
    best <- min(best, t[["user.self"]] + t[["sys.self"]])
}
cat(sprintf("actuar_ns %.2f\n", best / sims * 1e9))
cat(sprintf("actuar_sims %d\n", as.integer(sims)))
cat(sprintf("actuar_var995 %.1f\n", quantile(fit, 0.995)))
