package p
a.b[c].d := 1 if some c in ["x", "y"]
q := 1 if false
else := 2
s := {k: v | some k, v in {"a": 1}}
t := count(data.n) + sum(data.n)
u := x if x := input.user with input.user as "bob"
