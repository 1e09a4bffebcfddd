# Export the real data sets of the corpus to CSV, exactly as Debian's R
# packages ship them (no recoding, no filtering: load.sql does the modelling
# steps in SQL, the way a user of the extension would).
#
#   Rscript test/realdata/export.R [OUTDIR]      (default: test/realdata/data)
#
# Needs the Debian packages r-base-core, r-cran-survey, r-cran-mlmrev and
# r-cran-cardata.  Deterministic: a fixed column order, rows in the package's
# order with a 1-based row number `id` first, factors written as their labels,
# numbers with up to 15 significant digits, NA written as an empty field, a
# header line, "\n" line ends.  Re-running it on the same package versions
# gives byte-identical files (the committed CSVs were made with survey 4.1-1,
# mlmRev 1.0-8 and carData 3.0-5 on R 4.2.2).
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "test/realdata/data"
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

suppressPackageStartupMessages({
    library(survey)
    library(mlmRev)
    library(carData)
})

write_one <- function(d, columns, name) {
    stopifnot(identical(sort(columns), sort(names(d))))
    d <- d[, columns, drop = FALSE]
    for (col in columns) {
        if (is.factor(d[[col]])) d[[col]] <- as.character(d[[col]])
        # integers stored as doubles (SDMVSTRA, HI_CHOL, ...) print without ".0"
        if (is.double(d[[col]]) && all(is.na(d[[col]]) | d[[col]] == round(d[[col]])))
            d[[col]] <- as.integer(d[[col]])
    }
    d <- cbind(data.frame(id = seq_len(nrow(d))), d)
    path <- file.path(outdir, paste0(name, ".csv"))
    # quote = TRUE quotes every character column (agecat's labels hold commas)
    write.table(d, path, sep = ",", na = "", quote = TRUE, row.names = FALSE,
                col.names = TRUE, eol = "\n", qmethod = "double", dec = ".")
    cat(sprintf("%s: %d rows, %d columns\n", path, nrow(d), ncol(d)))
}

# high cholesterol in NHANES 2009-2010 (8,591 people; HI_CHOL is NA for 745)
data(nhanes, package = "survey")
write_one(nhanes, c("SDMVPSU", "SDMVSTRA", "WTMEC2YR", "HI_CHOL", "race", "agecat", "RIAGENDR"),
          "nhanes")

# contraceptive use in the 1988 Bangladesh Fertility Survey (1,934 women, 60
# districts); `woman` is the row number already, so it is left out
data(Contraception, package = "mlmRev")
stopifnot(identical(as.integer(as.character(Contraception$woman)), seq_len(nrow(Contraception))))
write_one(Contraception[, setdiff(names(Contraception), "woman")],
          c("district", "use", "livch", "age", "urban"), "contraception")

# release with a summons after an arrest for marijuana possession, Toronto
# 1997-2002 (5,226 arrests)
data(Arrests, package = "carData")
write_one(Arrests, c("released", "colour", "year", "age", "sex", "employed", "citizen", "checks"),
          "arrests")

# nine-month salaries of 397 professors in a US college, 2008-09: a
# continuous outcome for the gaussian family, with sex as the sensitive
# attribute
data(Salaries, package = "carData")
write_one(Salaries, c("rank", "discipline", "yrs.since.phd", "yrs.service", "sex", "salary"),
          "salaries")
