"""The 4th-order benchmark (issue 18): (user, movie, tag, month) from ml-latest-small's tags.csv and its
timestamps, with a fixed-seed 80/20 split, the same split's (user, movie, tag) triples for the
3rd-order comparison, and months.tsv (each month linked to the next). Writes into OUT (never into the repository: GroupLens licence) next to a link to
movies.csv, for the ml-latest-small-tags4*.yaml and ml-latest-small-tags3.yaml manifests.
Usage: fourth-order.py DATA/ml-latest-small OUT"""
import csv, os, random, sys, time

source, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
rows = []
with open(f"{source}/tags.csv", newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        month = time.strftime("%Y-%m", time.gmtime(int(row["timestamp"])))
        rows.append((row["userId"], row["movieId"], row["tag"], month))
rows = sorted(set(rows))                    # the same tag given twice in a month is one hyperedge
random.Random(0).shuffle(rows)
cut = len(rows) * 4 // 5
splits = {"train": rows[:cut], "test": rows[cut:]}
for part, part_rows in splits.items():
    with open(f"{out}/tags4.{part}.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["userId", "movieId", "tag", "month"])
        writer.writerows(part_rows)
    # The 3rd-order relation of the same split: a triple is in test only when none of its months is in train.
    triples = sorted({r[:3] for r in part_rows})
    if part == "test":
        seen = {r[:3] for r in splits["train"]}
        triples = [t for t in triples if t not in seen]
    with open(f"{out}/tags3.{part}.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["userId", "movieId", "tag"])
        writer.writerows(triples)
# Months as a chain graph (each month linked to the next), so that nearby months share signal.
months = sorted({r[3] for r in rows})
with open(f"{out}/months.tsv", "w") as f:
    f.writelines(f"{a}\t{b}\n" for a, b in zip(months, months[1:]))
link = f"{out}/movies.csv"
if not os.path.exists(link):
    os.symlink(os.path.abspath(f"{source}/movies.csv"), link)
print(f"{len(rows)} (user, movie, tag, month) hyperedges: {cut} train, {len(rows) - cut} test; "
      f"{len({r[3] for r in rows})} months")
