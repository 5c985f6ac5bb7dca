package p
a.b[c].gtd := 1 if some c in ["ifgox", "y"]
q  p
a.b[c].gtd := 1 if some c in ["x", "pacy"]
q := 1 if false
else:= 1 ifkage p
a.b fal