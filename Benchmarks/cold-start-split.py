"""Cold start on MovieLens-100K (Benchmarks/growing.sh).

split: cold-start-split.py ML100K OUT
    Holds 10% of the movies (seed 42) out of training entirely: OUT/u.item.train and OUT/u1.base.cold
    (u1.base without them), OUT/u1.test.warm (u1.test without them), OUT/u.item.cold (their u.item
    lines, for `hyperlearn embed`) and OUT/cold.test (their u1.test ratings), beside links to u.user.
    OUT/validation holds the same files for another 10% (seed 7) of the other movies, whose u1.base
    ratings are the targets: the stand-ins are chosen there, never on the test ratings.
report: cold-start-split.py --report OUT
    Prints the RMSE on the cold movies' ratings of the embedded movies, of the model retrained with
    them, and of the baselines from u1.base.cold: the global mean plus the user's bias (plain, and
    damped towards 0 by 5 pseudo-ratings)."""
import json, os, random, sys

if sys.argv[1] == "--report":
    out = sys.argv[2]
    def rmse_of(path):
        return json.load(open(path))["relations"]["rating"]["test"]["rmse"]
    train = [line.split("\t") for line in open(f"{out}/u1.base.cold")]
    test = [line.split("\t") for line in open(f"{out}/cold.test")]
    mu = sum(float(r[2]) for r in train) / len(train)
    sums, counts = {}, {}
    for user, _, rating, _ in train:
        sums[user] = sums.get(user, 0) + float(rating) - mu
        counts[user] = counts.get(user, 0) + 1
    def baseline(damping):
        errors = [(mu + sums.get(u, 0) / (counts.get(u, 0) + damping if counts.get(u, 0) + damping else 1) - float(r)) ** 2
                  for u, _, r, _ in test]
        return (sum(errors) / len(errors)) ** 0.5
    print(json.dumps({"run": "cold-start", "cold_movies": len(open(f"{out}/u.item.cold", encoding="latin-1").readlines()),
                      "cold_ratings": len(test), "rmse_embedded": rmse_of(f"{out}/cold-embedded.json"),
                      "rmse_retrained_with_them": rmse_of(f"{out}/cold-retrained.json"),
                      "rmse_global_plus_user_bias": baseline(0), "rmse_global_plus_user_bias_damped5": baseline(5),
                      "rmse_global_mean": (sum((mu - float(r)) ** 2 for _, _, r, _ in test) / len(test)) ** 0.5}))
    sys.exit(0)

def split(source, out, cold, exclude=frozenset(), cold_ratings_from="u1.test"):
    """Writes OUT's files with `cold` held out (and `exclude` dropped entirely); the cold movies'
    ratings in `cold_ratings_from` become cold.test."""
    os.makedirs(out, exist_ok=True)
    items = open(f"{source}/u.item", encoding="latin-1").read().splitlines()
    with open(f"{out}/u.item.train", "w", encoding="latin-1") as train, open(f"{out}/u.item.cold", "w", encoding="latin-1") as held:
        for line in items:
            movie = line.split("|")[0]
            if movie in cold: held.write(line + "\n")
            elif movie not in exclude: train.write(line + "\n")
    with open(f"{out}/u1.base.cold", "w") as base, open(f"{out}/u1.test.warm", "w") as test, open(f"{out}/cold.test", "w") as held:
        for name, keep in (("u1.base", base), ("u1.test", test)):
            for line in open(f"{source}/{name}"):
                movie = line.split("\t")[1]
                if movie in cold:
                    if name == cold_ratings_from: held.write(line)
                elif movie not in exclude:
                    keep.write(line)
    if not os.path.exists(f"{out}/u.user"):
        os.symlink(os.path.abspath(f"{source}/u.user"), f"{out}/u.user")

source, out = sys.argv[1], sys.argv[2]
ids = [line.split("|")[0] for line in open(f"{source}/u.item", encoding="latin-1").read().splitlines()]
cold = set(random.Random(42).sample(ids, len(ids) // 10))
split(source, out, cold)
# A validation split inside the training data, to choose the stand-ins without the test ratings:
# another 10% of the remaining movies held out, their u1.base ratings the validation targets.
remaining = [movie for movie in ids if movie not in cold]
validation = set(random.Random(7).sample(remaining, len(ids) // 10))
split(source, f"{out}/validation", validation, exclude=cold, cold_ratings_from="u1.base")
